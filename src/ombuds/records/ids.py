"""Public identifiers for things users may see cited (bank entries in notices)."""

from __future__ import annotations

import base64
import secrets
import time


def new_public_id(prefix: str) -> str:
    """`<prefix>_` + 6 bytes of milliseconds + 8 random bytes, base32: 23 characters.

    The time prefix keeps ids roughly in creation order (kind to B-tree indexes, like a
    ULID); the random part makes them unguessable, so an id reveals nothing about the
    signal it names.
    """
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + secrets.token_bytes(8)
    return f"{prefix}_{base64.b32encode(raw).decode('ascii').rstrip('=').lower()}"
