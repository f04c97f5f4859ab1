"""Identifiers for decisions and notices: time-ordered so ledger and queue scans stay local."""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BYTES = 10
_BUFFER = 4096  # random bytes fetched per system call: one call serves ~400 ids


class _RandomPool(threading.local):
    """Kernel randomness read in blocks: one `os.urandom` per id was the engine's top cost."""

    def __init__(self) -> None:
        self.data = b""
        self.offset = 0

    def take(self, n: int) -> bytes:
        if self.offset + n > len(self.data):
            self.data, self.offset = os.urandom(_BUFFER), 0
        chunk = self.data[self.offset : self.offset + n]
        self.offset += n
        return chunk


_pool = _RandomPool()


def new_id(prefix: str) -> str:
    """`prefix` + 48-bit millisecond time + 80 random bits, hex: sortable and unguessable."""
    ms = time.time_ns() // 1_000_000
    return f"{prefix}_{ms:012x}{_pool.take(_RANDOM_BYTES).hex()}"
