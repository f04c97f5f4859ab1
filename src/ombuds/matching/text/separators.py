"""Separator-insensitive matching: `b.a.d w-o-r-d` reads as `bad word`.

Punctuation and symbols (and `_`) between two letters or digits are dropped; whitespace is
kept, so word boundaries survive. Lexicons that opt in are matched against the squeezed
text, and their terms are squeezed the same way; spans are mapped back to the normalized text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache


@cache
def _separator_run() -> re.Pattern[str]:
    # [^\W_] is a letter or digit (CJK included); [^\w\s]|_ is punctuation, symbol or `_`.
    return re.compile(r"(?<=[^\W_])(?:[^\w\s]|_)+(?=[^\W_])")


@cache
def _separator_char() -> re.Pattern[str]:
    return re.compile(r"[^\w\s]|_")


class Squeezed:
    """A squeezed text, and how to map its offsets back to the normalized text.

    The offset map is built only when a span is mapped: matches are rare, and most texts
    with a separator never need it.
    """

    __slots__ = ("_positions", "_removed", "_source", "text")

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self._source = source
        # _positions[i]: offset in `text` where the i-th removed run was; _removed[i]: how many
        # characters had been removed up to and including that run.
        self._positions: list[int] | None = None
        self._removed: list[int] = []

    def _map(self) -> list[int]:
        if self._positions is None:
            positions: list[int] = []
            total = 0
            for m in _separator_run().finditer(self._source):
                positions.append(m.start() - total)
                total += m.end() - m.start()
                self._removed.append(total)
            self._positions = positions
        return self._positions

    def start(self, offset: int) -> int:
        """Normalized-text offset of a span start: after any run removed right before it."""
        i = bisect_right(self._map(), offset)
        return offset + (self._removed[i - 1] if i else 0)

    def end(self, offset: int) -> int:
        """Normalized-text offset of a span end: before any run removed right after it."""
        i = bisect_left(self._map(), offset)
        return offset + (self._removed[i - 1] if i else 0)


def squeeze_term(term: str) -> str:
    return _separator_run().sub("", term)


def squeeze(normalized: str) -> Squeezed | None:
    """The squeezed form of a normalized text, or None when it has no separator to drop."""
    if _separator_char().search(normalized) is None:
        return None
    squeezed = _separator_run().sub("", normalized)
    if len(squeezed) == len(normalized):
        return None
    return Squeezed(squeezed, normalized)
