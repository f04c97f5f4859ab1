"""Verified API keys remembered for a few seconds, so a request costs no database query.

A key found usable in the store is kept, by key id, with the SHA-256 of the token that
proved it, for `ttl` seconds (`KEY_CACHE_SECONDS`). A request whose token digest matches
(compared in constant time) is admitted without the store, unless the key has expired
meanwhile: its expiry is checked on every request. A key revoked in the store (`ombuds key
revoke`, from any process) is refused at the latest `ttl` seconds later, when its cached
entry lapses and the store is asked again; a revocation made through this process can
`forget` the key at once. Only keys the store accepted are kept, so the cache holds at most
one entry per key and an unknown or wrong token always goes to the store.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ombuds.records.repos.keys import ApiKey, split_token

KEY_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Entry:
    digest: bytes
    key: ApiKey
    until: float


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class KeyCache:
    def __init__(
        self,
        ttl: float = KEY_CACHE_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._wall_clock = wall_clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> ApiKey | None:
        """The cached key for `token`, or None: not cached, lapsed, wrong or expired.

        None means "ask the store", which also gives the final answer for a wrong token.
        """
        parts = split_token(token)
        if parts is None:
            return None
        entry = self._entries.get(parts[0])
        if entry is None:
            return None
        if self._clock() >= entry.until or not entry.key.usable(self._wall_clock()):
            self._drop(parts[0], entry)
            return None
        if not hmac.compare_digest(entry.digest, _digest(token)):
            return None
        return entry.key

    def remember(self, token: str, key: ApiKey) -> None:
        """Keep a key the store has just verified for this token."""
        if self.ttl <= 0:
            return
        entry = _Entry(_digest(token), key, self._clock() + self.ttl)
        with self._lock:
            self._entries[key.key_id] = entry

    def forget(self, name: str) -> None:
        """Drop the key called `name` (revoked here): the next request asks the store."""
        with self._lock:
            for key_id in [k for k, e in self._entries.items() if e.key.name == name]:
                del self._entries[key_id]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop(self, key_id: str, entry: _Entry) -> None:
        with self._lock:
            if self._entries.get(key_id) is entry:
                del self._entries[key_id]
