"""Text normalization, applied alike to messages and to lexicon terms.

`normalize` folds what a person would read as the same text to one form: Unicode NFKC (which
also turns full-width forms half-width), case folding, removal of invisible characters, folding
of Latin look-alikes from other scripts, and collapsing of whitespace runs. Because terms go
through the same function, a lexicon author can write terms in any of those forms.
"""

from __future__ import annotations

import unicodedata

from ombuds.matching.text.folds import fold_if_simple
from ombuds.matching.text.tables import Tables, ascii_controls, tables

# NFKC, case folding and deletions can each undo another's work (a deleted invisible may let a
# base letter and a combining mark compose); a few passes always reach the fixed point.
_MAX_PASSES = 6


def normalize(text: str) -> str:
    """The normalized form of `text`. Idempotent, NFKC-stable, never raises."""
    if text.isascii():
        return _normalize_ascii(text)
    folded = fold_if_simple(text)  # most non-ASCII chat text: one replace per distinct char
    return folded if folded is not None else _normalize_unicode(text)


def _normalize_ascii(text: str) -> str:
    # The common chat message: NFKC is the identity on ASCII, casefold is lower(), and no
    # confusable or invisible folding applies, so two C-level calls decide most messages.
    s = text.lower()
    if not s.isprintable():
        s = s.translate(ascii_controls())
        return " ".join(s.split())
    if "  " in s or s[:1] == " " or s[-1:] == " ":
        return " ".join(s.split())
    return s


def _normalize_unicode(text: str) -> str:
    t = tables()
    s = text
    for _ in range(_MAX_PASSES):
        astral = t.astral.search(s) is not None
        s = _nfkc(s, t, astral).casefold()
        if t.invisible.search(s, astral):
            s = t.invisible.sub("", s, astral)
        if t.confusable.search(s, astral):
            s = s.translate(t.confusable_map)
        if not s.isprintable() or "  " in s or s[:1] == " " or s[-1:] == " ":
            s = " ".join(s.split())
        # Deletions and folds keep a casefolded string casefolded, so NFKC is the only
        # property a pass can leave broken.
        if unicodedata.is_normalized("NFKC", s):
            break
    else:
        # No fixed point: a few letters case-fold to a sequence that NFKC composes back
        # (U+01F0 "ǰ" folds to "j" + U+030C). End composed, as Unicode's NFKC_Casefold does:
        # the result is then NFKC-stable and idempotent, though its casefold is not itself.
        s = unicodedata.normalize("NFKC", s)
    return s


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster on text without combining characters."""
    t = tables()
    return _nfkc(text, t, t.astral.search(text) is not None)


def _nfkc(s: str, t: Tables, astral: bool) -> str:
    if t.nfkc_complex.search(s, astral):
        return unicodedata.normalize("NFKC", s)
    fold = t.nfkc_simple_map
    # A text holds few distinct characters to fold (a CJK message: its full-width
    # punctuation), often many times: one C-level replace per distinct character beats a
    # Python callback per occurrence. No fold brings a foldable character, so the order of
    # the replacements does not matter.
    for ch in t.nfkc_simple.distinct(s, astral):
        s = s.replace(ch, fold[ch])
    return s
