"""Texts whose characters each normalize on their own, found with one search.

In general `normalize` must run NFKC, case folding, deletions and look-alike folds over the
whole text until nothing changes, because one character's change can let its neighbours
compose. Most non-ASCII chat text (Chinese with full-width punctuation, accented Latin,
Cyrillic) holds only two kinds of character:

- *settled* ones, which no step changes, whatever their neighbours: they compose with
  nothing, and NFKC, case folding and the folds leave them alone (a Han character, "é");
- ones that *fold alone*: run through the steps by themselves, they end as settled
  characters (or nothing), touching no neighbour on the way (a full-width comma, "Ａ").

Such a text normalizes to each character's own fold, with whitespace collapsed: that is
what `normalize` gives it, one distinct character at a time. Anything else (a combining
mark, a jamo, an astral character...) takes the general path.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ombuds.matching.text.tables import Tables, char_class, inert_test, tables

_BMP = 0x10000
_MAX_PASSES = 6  # as `normalize`: a fold that needs more is left to the general path


@dataclass(frozen=True, slots=True)
class CharFolds:
    unsettled: re.Pattern[str]  # any character that is not settled
    alone: dict[str, str]  # character -> its own fold (settled characters only, or "")


_lock = threading.Lock()
_folds: CharFolds | None = None


def char_folds() -> CharFolds:
    global _folds
    if _folds is None:
        with _lock:
            if _folds is None:
                _folds = _build(tables())
    return _folds


def _build(t: Tables) -> CharFolds:
    inert = inert_test()

    def settled(c: str) -> bool:
        return (
            inert(c)
            and (c.isprintable() or c.isspace())
            and unicodedata.normalize("NFKC", c) == c
            and c.casefold() == c
            and ord(c) not in t.confusable_map
            and not t.invisible.search(c, False)
        )

    calm: list[int] = []
    alone: dict[str, str] = {}
    for cp in range(_BMP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if settled(ch):
            calm.append(cp)
            continue
        fold = _fold_alone(ch, t, inert)
        if fold is not None and all(settled(c) for c in fold):
            alone[ch] = fold
    return CharFolds(re.compile("[^" + char_class(calm)[1:]), alone)


def _fold_alone(ch: str, t: Tables, inert: Callable[[str], bool]) -> str | None:
    """`ch` through normalize's passes (whitespace aside), or None if on the way it could
    reach a neighbour: it, or what a pass makes of it, begins with a character that composes."""
    s = ch
    for _ in range(_MAX_PASSES):
        if not s or not inert(s[0]):
            return None if s else ""
        s = unicodedata.normalize("NFKC", s).casefold()
        s = t.invisible.sub("", s, True)
        s = s.translate(t.confusable_map)
        if unicodedata.is_normalized("NFKC", s):
            return s
    return None


def fold_if_simple(text: str) -> str | None:
    """`normalize(text)` when every character of `text` is settled or folds alone; else None."""
    f = char_folds()
    odd = set(f.unsettled.findall(text))
    s = text
    for ch in odd:
        fold = f.alone.get(ch)
        if fold is None:
            return None
        s = s.replace(ch, fold)
    if not s.isprintable() or "  " in s or s[:1] == " " or s[-1:] == " ":
        s = " ".join(s.split())
    return s
