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
            self.hex, start = os.urandom(max(_BUFFER, n)).hex(), 0
        self.offset = start + width
        return self.hex[start : start + width]


_pool = _RandomPool()


def _fresh_pool() -> None:
    # A forked child must not hand out the ids its parent holds in the pool.
    global _pool
    _pool = _RandomPool()


os.register_at_fork(after_in_child=_fresh_pool)


def new_id(prefix: str) -> str:
    """`prefix` + 48-bit millisecond time + 80 random bits, hex: sortable and unguessable."""
    ms = time.time_ns() // 1_000_000
    return f"{prefix}_{ms:012x}{_pool.take_hex(_RANDOM_BYTES)}"


def new_ids(prefix: str, n: int) -> list[str]:
    """`n` ids as `new_id` makes them, from one clock reading and one take from the pool:
    what a batch of decisions needs. (A system call per submission cost the request
    process more than its time: the call lets the GIL go, and winning it back from the
    decision writer's thread took ~10 % of a single submission under load.)"""
    head = f"{prefix}_{time.time_ns() // 1_000_000:012x}"
    width = 2 * _RANDOM_BYTES
    randomness = _pool.take_hex(_RANDOM_BYTES * n)
    return [head + randomness[i : i + width] for i in range(0, width * n, width)]
