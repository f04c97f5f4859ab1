"""Identifiers for decisions and notices: time-ordered so ledger and queue scans stay local."""

from __future__ import annotations

import os
import time


def new_id(prefix: str) -> str:
    """`prefix` + 48-bit millisecond time + 80 random bits, hex: sortable and unguessable."""
    ms = time.time_ns() // 1_000_000
    return f"{prefix}_{ms:012x}{os.urandom(10).hex()}"
