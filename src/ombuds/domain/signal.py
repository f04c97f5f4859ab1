"""Signal: a fingerprint of content, of a named signal type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    """`value` is the signal type's canonical string form (e.g. lowercase hex)."""

    signal_type: str
    value: str
    quality: int | None = None
