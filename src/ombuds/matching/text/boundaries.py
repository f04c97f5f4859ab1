"""Word boundaries: Latin-like terms match whole words, CJK terms match anywhere.

CJK scripts do not separate words with spaces, so a CJK term is found as a substring, and a
CJK character next to a Latin term does not join it to a word (`说bad话` contains `bad`).
"""

from __future__ import annotations

import unicodedata

# Han, kana, Hangul, Bopomofo, Yi and CJK punctuation/compatibility blocks, after NFKC.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Kanbun, Katakana extensions
    (0x3200, 0x4DBF),  # enclosed CJK, CJK compatibility, Han extension A
    (0x4E00, 0x9FFF),  # Han
    (0xA000, 0xA4CF),  # Yi
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF65, 0xFFDC),  # half-width kana and Hangul (NFKC folds most)
    (0x16FE0, 0x16FFF),  # ideographic symbols
    (0x1B000, 0x1B16F),  # kana supplement and extensions
    (0x20000, 0x3FFFF),  # Han extensions B and later
)


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    if cp < 0x1100:
        return False
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def is_word_char(ch: str) -> bool:
    """A character that joins a Latin-like term to a longer word ("class" hides "ass")."""
    if ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M"):
        return not is_cjk(ch)
    return False


def needs_boundaries(term: str) -> tuple[bool, bool]:
    """Whether a term must start / end on a word boundary (its first / last char is wordy)."""
    return is_word_char(term[0]), is_word_char(term[-1])


def on_boundaries(text: str, start: int, end: int, left: bool, right: bool) -> bool:
    if left and start > 0 and is_word_char(text[start - 1]):
        return False
    return not (right and end < len(text) and is_word_char(text[end]))
