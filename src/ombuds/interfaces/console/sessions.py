"""Server-side console sessions: a random id in an HttpOnly, SameSite=Strict cookie, and a
CSRF token per session that every POST must carry.

Sessions are kept in the database, by the SHA-256 of their id only, so neither a database
dump nor a memory dump can be replayed as a cookie, and a restart signs nobody out. The API
key a moderator signs in with is checked once and never kept: the session holds the key's
name, id and role, and every request checks that the key is still usable, so revoking a key
ends its console sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ombuds.records.repos.console_sessions import ConsoleSessionRepository, StoredSession
from ombuds.records.repos.keys import Role
from ombuds.records.types import utcnow

COOKIE = "ombuds_console"
ABSOLUTE_S = 12 * 3600  # a session ends after this, however busy
MAX_SESSIONS = 10_000  # anonymous ones are evicted first; a flood cannot grow the table
# `seen` is written at most once per this share of the idle limit: a page's requests do not
# each cost a write, and a session still ends within 5 % of the limit.
_TOUCH_SHARE = 0.05


@dataclass(slots=True)
class ConsoleSession:
    csrf: str
    key_name: str = ""
    key_id: str = ""
    role: Role | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)  # (kind, message), once
    # Where a change of `flashes` is saved (the session's row); None: nowhere.
    save_flashes: Callable[[list[tuple[str, str]]], None] | None = field(default=None, repr=False)

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    def flash(self, kind: str, message: str) -> None:
        self.flashes.append((kind, message))
        self._saved()

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        if taken:
            self._saved()
        return taken

    def csrf_ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())

    def _saved(self) -> None:
        if self.save_flashes is not None:
            self.save_flashes(list(self.flashes))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """The console's sessions, in the store `repository()` gives (asked per call: the
    store opens after the console is mounted)."""

    def __init__(
        self,
        repository: Callable[[], ConsoleSessionRepository],
        idle_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._repository = repository
        self._idle = timedelta(seconds=idle_s)
        self._touch = timedelta(seconds=idle_s * _TOUCH_SHARE)
        self._clock = clock
        self._swept: datetime | None = None

    def __len__(self) -> int:
        return self._repository().count()

    def new(self) -> tuple[str, ConsoleSession]:
        """A fresh anonymous session (for the sign-in form's CSRF token) and its cookie."""
        now = self._clock()
        return self._create(StoredSession("", secrets.token_urlsafe(32), now, now))

    def get(self, token: str | None) -> ConsoleSession | None:
        if not token:
            return None
        repository = self._repository()
        digest, now = _digest(token), self._clock()
        stored = repository.get(digest)
        if stored is None:
            return None
        if self._expired(stored, now):
            repository.delete(digest)
            return None
        if now - stored.seen_at >= self._touch:
            repository.touch(digest, now)
            stored.seen_at = now
        return self._session(stored)

    def sign_in(self, old_token: str | None, key_name: str, key_id: str, role: Role) -> str:
        """A new session id for a signed-in key; the old one ends (no session fixation)."""
        if old_token:
            self.drop(old_token)
        now = self._clock()
        stored = StoredSession("", secrets.token_urlsafe(32), now, now, key_name, key_id, role)
        token, _session = self._create(stored)
        return token

    def drop(self, token: str) -> None:
        self._repository().delete(_digest(token))

    def _create(self, stored: StoredSession) -> tuple[str, ConsoleSession]:
        token = secrets.token_urlsafe(32)
        stored.digest = _digest(token)
        repository = self._repository()
        self._make_room(repository, stored.created_at)
        repository.add(stored)
        return token, self._session(stored)

    def _session(self, stored: StoredSession) -> ConsoleSession:
        repository, digest = self._repository(), stored.digest
        return ConsoleSession(
            csrf=stored.csrf,
            key_name=stored.key_name,
            key_id=stored.key_id,
            role=None if stored.role is None else Role(stored.role),
            flashes=list(stored.flashes),
            save_flashes=lambda flashes: repository.set_flashes(digest, flashes),
        )

    def _expired(self, stored: StoredSession, now: datetime) -> bool:
        too_old = now - stored.created_at > timedelta(seconds=ABSOLUTE_S)
        return now - stored.seen_at > self._idle or too_old

    def _make_room(self, repository: ConsoleSessionRepository, now: datetime) -> None:
        # Ended sessions nobody comes back with go at the next new session after an idle
        # limit has passed, so their rows (a key's name and role) do not linger.
        due = self._swept is None or now - self._swept >= self._idle
        if due or repository.count() >= MAX_SESSIONS:  # what has ended goes first
            repository.delete_expired(
                seen_before=now - self._idle, created_before=now - timedelta(seconds=ABSOLUTE_S)
            )
            self._swept = now
            excess = repository.count() - MAX_SESSIONS + 1
            if excess > 0:
                repository.delete_least_recent(max(excess, MAX_SESSIONS // 10))
