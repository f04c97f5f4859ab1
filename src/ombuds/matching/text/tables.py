"""Lookup tables for normalization, built once on first use (importing costs nothing).

The look-alike data is Unicode's confusables.txt as shipped by the MIT-licensed
`confusable-homoglyphs` package, with its Scripts.txt extract; nothing here is hand-typed
except the short list of default-ignorable code points that are not format characters.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

# Scripts whose letters are never folded to Latin: folding CJK (e.g. Han '〇' to 'o', Hangul
# 'ㅇ' to 'o') would damage CJK text, and Common/Inherited hold digits and symbols, whose
# letter-look-alike tricks are out of scope.
_UNFOLDED_SCRIPTS = frozenset(
    {"COMMON", "INHERITED", "HAN", "HIRAGANA", "KATAKANA", "BOPOMOFO", "HANGUL", "YI"}
)

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) members that are not in the
# format category Cf: combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# Mongolian free variation selectors, variation selectors and the tag/variation plane.
_IGNORABLE_NOT_CF: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE0FFF),
)

# Planes that hold format characters (BMP, SMP, SIP, TIP and the tag plane); scanning only
# these keeps the one-off build of all tables near 0.2 s instead of a pass over 1.1M.
_SCANNED = (range(0x40000), range(0xE0000, 0xE1000))


_ASTRAL_START = 0x10000


class CharSet:
    """Membership test for a set of code points, fast on typical text.

    Python's `re` checks a class holding astral code points range by range (~15 µs per
    100-char message for a few hundred ranges) but a BMP-only class in O(1) per character, so
    the astral part is searched only in texts that hold an astral character (emoji...).
    """

    __slots__ = ("_astral", "_bmp")

    def __init__(self, code_points: Iterable[int]) -> None:
        cps = sorted(set(code_points))
        bmp = [cp for cp in cps if cp < _ASTRAL_START]
        astral = [cp for cp in cps if cp >= _ASTRAL_START]
        self._bmp = re.compile(char_class(bmp)) if bmp else None
        self._astral = re.compile(char_class(astral)) if astral else None

    def search(self, text: str, has_astral: bool) -> bool:
        if self._bmp is not None and self._bmp.search(text) is not None:
            return True
        return has_astral and self._astral is not None and self._astral.search(text) is not None

    def distinct(self, text: str, has_astral: bool) -> set[str]:
        """The characters of the set that `text` holds."""
        found = set(self._bmp.findall(text)) if self._bmp is not None else set()
        if has_astral and self._astral is not None:
            found.update(self._astral.findall(text))
        return found

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, has_astral: bool) -> str:
        if self._bmp is not None:
            text = self._bmp.sub(repl, text)
        if has_astral and self._astral is not None:
            text = self._astral.sub(repl, text)
        return text


@dataclass(frozen=True, slots=True)
class Tables:
    astral: re.Pattern[str]  # any astral character
    invisible: CharSet
    confusable: CharSet
    confusable_map: dict[int, str]
    # Characters whose NFKC form can be found in isolation (see _nfkc_tables) and the others.
    nfkc_simple: CharSet
    nfkc_simple_map: dict[str, str]
    nfkc_complex: CharSet


_lock = threading.Lock()
_tables: Tables | None = None
_ascii_controls: dict[int, None] | None = None


def tables() -> Tables:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _build()
    return _tables


def ascii_controls() -> dict[int, None]:
    """str.translate table deleting ASCII control characters that are not whitespace."""
    global _ascii_controls
    if _ascii_controls is None:
        _ascii_controls = {cp: None for cp in range(128) if _is_deleted_control(chr(cp))}
    return _ascii_controls


def _is_deleted_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and not ch.isspace()


def _scanned() -> Iterator[tuple[int, str]]:
    for block in _SCANNED:
        for cp in block:
            if not 0xD800 <= cp <= 0xDFFF:
                yield cp, chr(cp)


def _build() -> Tables:
    invisible: list[int] = list(range(0xD800, 0xE000))  # lone surrogates: not text
    for cp, ch in _scanned():
        cat = unicodedata.category(ch)
        if cat == "Cf" or (cat == "Cc" and not ch.isspace()):
            invisible.append(cp)
    for lo, hi in _IGNORABLE_NOT_CF:
        invisible.extend(range(lo, hi + 1))
    folds = _confusable_folds()
    simple, complex_ = _nfkc_tables()
    return Tables(
        astral=re.compile(f"[\\U{_ASTRAL_START:08x}-\\U0010ffff]"),
        invisible=CharSet(invisible),
        confusable=CharSet(folds),
        confusable_map=folds,
        nfkc_simple=CharSet(ord(c) for c in simple),
        nfkc_simple_map=simple,
        nfkc_complex=CharSet(complex_),
    )


def _nfkc_tables() -> tuple[dict[str, str], list[int]]:
    """Split the characters NFKC may change into "simple" and "complex" ones.

    CPython's NFKC costs ~0.2 µs per character once a text holds any character to change (a
    full-width comma in Chinese text is enough). A text without combining marks and without
    characters that compose with a preceding one has no composition to make, so its NFKC form
    is that of each character on its own: "simple" characters, whose NFKC form brings none of
    those either, are replaced one by one; a text with any "complex" character gets full NFKC.
    """
    inert = inert_test()
    simple: dict[str, str] = {}
    complex_: list[int] = []
    for cp, ch in _scanned():
        if not inert(ch):
            complex_.append(cp)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded == ch:
            continue
        if all(inert(c) for c in folded):
            simple[ch] = folded
        else:
            complex_.append(cp)
    return simple, complex_


def inert_test() -> Callable[[str], bool]:
    """Whether a character can never compose with a neighbour under NFKC: it is not a
    combining mark, nor the second half of a canonical pair (Hangul V and T jamo included)."""
    second: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V, T
    for _, ch in _scanned():
        decomposition = unicodedata.decomposition(ch)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))

    def inert(c: str) -> bool:
        return not unicodedata.combining(c) and ord(c) not in second

    return inert


def char_class(code_points: Iterable[int]) -> str:
    ranges: list[tuple[int, int]] = []
    for cp in sorted(set(code_points)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    parts = (f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return "[" + "".join(parts) + "]"


def _load(name: str) -> object:
    text = resources.files("confusable_homoglyphs").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def _confusable_folds() -> dict[int, str]:
    """Code point -> the one ASCII letter it looks like, for letters of foldable scripts.

    Only characters `normalize` can leave in a text are keys (NFKC- and casefold-stable), and
    targets are lowercase, so applying the map after case folding keeps the text folded.
    """
    confusables = _load("confusables.json")
    script_of = _script_lookup(_load("categories.json"))
    assert isinstance(confusables, dict)
    folds: dict[int, str] = {}
    for source, entries in confusables.items():
        if len(source) != 1 or source.isascii():
            continue
        if not unicodedata.category(source).startswith("L"):
            continue
        if script_of(ord(source)) in _UNFOLDED_SCRIPTS:
            continue
        if unicodedata.normalize("NFKC", source) != source or source.casefold() != source:
            continue
        letters = {e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii()}
        letters = {c for c in letters if c.isalpha()}
        if letters:
            # Prefer a lowercase look-alike: 'ӏ' resembles both 'l' and 'I', and a
            # lowercase letter is what it stands for in running text.
            best = min(letters, key=lambda c: (not c.islower(), c))
            folds[ord(source)] = best.lower()
    return folds


def _script_lookup(categories: object) -> Callable[[int], str]:
    assert isinstance(categories, dict)
    aliases: list[str] = categories["iso_15924_aliases"]
    ranges: list[list[int]] = categories["code_points_ranges"]
    starts = [r[0] for r in ranges]

    def script_of(cp: int) -> str:
        i = bisect_right(starts, cp) - 1
        if i >= 0 and ranges[i][0] <= cp <= ranges[i][1]:
            return aliases[ranges[i][2]]
        return "UNKNOWN"

    return script_of
