"""Server-side console sessions: a random id in an HttpOnly, SameSite=Strict cookie, and a
CSRF token per session that every POST must carry.

Only a SHA-256 of each session id is kept, so a memory dump cannot be replayed as a cookie.
The API key a moderator signs in with is checked once and never kept: the session holds the
key's name, id and role, and every request checks that the key is still usable, so revoking
a key ends its console sessions. Sessions live in this process: a restart signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ombuds.records.repos.keys import Role

COOKIE = "ombuds_console"
ABSOLUTE_S = 12 * 3600  # a session ends after this, however busy
MAX_SESSIONS = 10_000  # anonymous ones are evicted first; a flood cannot grow memory


@dataclass(slots=True)
class ConsoleSession:
    csrf: str
    created: float
    seen: float
    key_name: str = ""
    key_id: str = ""
    role: Role | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)  # (kind, message), once

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    def flash(self, kind: str, message: str) -> None:
        self.flashes.append((kind, message))

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        return taken

    def csrf_ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Sessions:
    def __init__(self, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle_s = idle_s
        self._clock = clock
        self._by_digest: dict[str, ConsoleSession] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_digest)

    def new(self) -> tuple[str, ConsoleSession]:
        """A fresh anonymous session (for the sign-in form's CSRF token) and its cookie."""
        now = self._clock()
        session = ConsoleSession(csrf=secrets.token_urlsafe(32), created=now, seen=now)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._make_room(now)
            self._by_digest[_digest(token)] = session
        return token, session

    def get(self, token: str | None) -> ConsoleSession | None:
        if not token:
            return None
        now = self._clock()
        with self._lock:
            digest = _digest(token)
            session = self._by_digest.get(digest)
            if session is None:
                return None
            if self._expired(session, now):
                del self._by_digest[digest]
                return None
            session.seen = now
            return session

    def sign_in(self, old_token: str | None, key_name: str, key_id: str, role: Role) -> str:
        """A new session id for a signed-in key; the old one ends (no session fixation)."""
        if old_token:
            self.drop(old_token)
        token, session = self.new()
        session.key_name, session.key_id, session.role = key_name, key_id, role
        return token

    def drop(self, token: str) -> None:
        with self._lock:
            self._by_digest.pop(_digest(token), None)

    def _expired(self, session: ConsoleSession, now: float) -> bool:
        return now - session.seen > self._idle_s or now - session.created > ABSOLUTE_S

    def _make_room(self, now: float) -> None:
        if len(self._by_digest) < MAX_SESSIONS:
            return
        for digest, session in list(self._by_digest.items()):
            if self._expired(session, now):
                del self._by_digest[digest]
        if len(self._by_digest) < MAX_SESSIONS:
            return
        anonymous = [d for d, s in self._by_digest.items() if not s.signed_in]
        victims = anonymous or list(self._by_digest)
        for digest in victims[: max(1, len(victims) // 10)]:
            del self._by_digest[digest]
