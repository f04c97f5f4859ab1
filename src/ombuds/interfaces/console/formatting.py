"""Small formatting helpers the templates use as filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any


def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def short(value: str, keep: int = 16) -> str:
    """A long hash cut for a table cell; the full value goes in the cell's title."""
    return value if len(value) <= keep else f"{value[:keep]}…"


def count(value: int) -> str:
    return f"{value:,}"


def segments(text: str, spans: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, matched) at the given spans, overlapping ones merged."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "short": short, "count": count}
