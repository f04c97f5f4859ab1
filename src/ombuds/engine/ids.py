"""Identifiers for decisions and notices: time-ordered so ledger and queue scans stay local."""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BYTES = 10
_BUFFER = 4096  # random bytes fetched per system call: one call serves ~400 ids


class _RandomPool(threading.local):
    """Kernel randomness read in blocks, as hex: one `os.urandom` per id was the engine's
    top cost, and one `.hex()` per id the next."""

    def __init__(self) -> None:
        self.hex = ""
        self.offset = 0

    def take_hex(self, n: int) -> str:
        """`n` random bytes as 2n hex digits."""
        width = 2 * n
        start = self.offset
        if start + width > len(self.hex):
            self.hex, start = os.urandom(_BUFFER).hex(), 0
        self.offset = start + width
        return self.hex[start : start + width]


_pool = _RandomPool()


def new_id(prefix: str) -> str:
    """`prefix` + 48-bit millisecond time + 80 random bits, hex: sortable and unguessable."""
    ms = time.time_ns() // 1_000_000
    return f"{prefix}_{ms:012x}{_pool.take_hex(_RANDOM_BYTES)}"


def new_ids(prefix: str, n: int) -> list[str]:
    """`n` ids as `new_id` makes them, from one clock reading and one read of randomness:
    what a batch of decisions needs."""
    head = f"{prefix}_{time.time_ns() // 1_000_000:012x}"
    width = 2 * _RANDOM_BYTES
    randomness = os.urandom(_RANDOM_BYTES * n).hex()
    return [head + randomness[i : i + width] for i in range(0, width * n, width)]
