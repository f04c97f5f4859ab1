"""normalize(): NFKC, case, width, invisibles, look-alikes, whitespace; and its properties."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.matching.text import normalize
from ombuds.matching.text.normalize import _normalize_ascii, _normalize_unicode, nfkc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello World", "hello world"),
        ("ＢＡＤ　ｗｏｒｄ！", "bad word!"),  # full-width letters, ideographic space, punctuation
        ("ﬁne ①", "fine 1"),  # compatibility ligature and circled digit
        ("Straße", "strasse"),  # full case folding, not just lower()
        ("ΣΊΣΥΦΟΣ", normalize("σίσυφοσ")),  # final sigma folds like any sigma
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana widen
    ],
)
def test_nfkc_case_and_width(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # zero width space
        "\u200c",  # zero width non-joiner
        "\u200d",  # zero width joiner
        "\u2060",  # word joiner
        "\ufeff",  # byte order mark
        "\u00ad",  # soft hyphen
        "\u202e",  # right-to-left override
        "\u180e",  # Mongolian vowel separator
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # variation selector 16
        "\U000e0100",  # variation selector 17
        "\U000e0041",  # tag latin capital a
        "\u3164",  # Hangul filler
        "\x00",  # NUL
        "\x7f",  # DEL
    ],
)
def test_invisible_characters_are_removed(invisible: str) -> None:
    assert normalize(f"b{invisible}a{invisible}d") == "bad"


def test_lone_surrogates_are_removed() -> None:
    assert normalize("a\ud800b\udfff") == "ab"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bаd", "bad"),  # Cyrillic а
        ("wоrd", "word"),  # Cyrillic о
        ("ВАD", "вad"),  # case folds first: lowercase в looks like no Latin letter
        ("АРЕ", "ape"),  # Cyrillic capitals fold through their lowercase forms
        ("gοοd", "good"),  # Greek omicron
        ("ѕсаm", "scam"),  # Cyrillic ѕ, с, а
        ("ɑpple", "apple"),  # Latin alpha
    ],
)
def test_look_alikes_fold_to_latin(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "cjk",
    ["你好世界", "六四事件", "カタカナとひらがなと漢字", "안녕하세요", "〇一口", "ㄅㄆㄇ"],
)
def test_cjk_text_is_not_damaged(cjk: str) -> None:
    assert normalize(cjk) == cjk


def test_cjk_punctuation_narrows_but_ideographs_stay() -> None:
    assert normalize("你好，世界！") == "你好,世界!"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a \t\n b  ", "a b"),
        ("a\u3000\u3000b", "a b"),
        ("a\u200b b", "a b"),  # deleting an invisible must not leave two spaces
        ("", ""),
        (" \u200b ", ""),
    ],
)
def test_whitespace_collapses(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_deleted_invisible_lets_marks_compose() -> None:
    # e + ZWJ + combining acute: once the joiner goes, NFKC composes é.
    assert normalize("e\u200d\u0301") == "é"


@pytest.mark.parametrize("raw", ["\u01f0", "j\u030c", "J\u030c", "x \u01f0 y"])
def test_a_fold_that_nfkc_composes_back_ends_composed(raw: str) -> None:
    # U+01F0 case-folds to j + U+030C, which NFKC composes to U+01F0 again: no fixed point
    # of both, so the form is NFKC's, the same for every spelling.
    once = normalize(raw)
    assert "\u01f0" in once and "\u030c" not in once
    assert normalize(once) == once


# Characters that stress the fixed point: combining marks, Hangul jamo, Greek with tonos,
# half-width voiced marks, case-folding expansions, invisibles and look-alikes.
_TRICKY = (
    "\u0301\u0308\u0345\u0344\u0390\u03b0\u1e9e\u0130ǅﬀ\uff9e\uff9f\u1100\u1161\u11a8ᄀ가\u01f0"
    "\u200b\u200d\ufe0f\u00ad\u3000ａＡаАοΟ\u0435\u0308é\u212b\u2126ΐ\u1f80\u0399"
)
_text = st.text(
    st.one_of(
        st.characters(exclude_categories=()),  # everything, surrogates included
        st.sampled_from(_TRICKY),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(_text)
def test_idempotent_and_nfkc_stable(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once
    assert unicodedata.normalize("NFKC", once) == once
    # Case-folded but for letters whose fold NFKC composes back (U+01F0 "ǰ").
    assert unicodedata.normalize("NFKC", once.casefold()) == once


@settings(max_examples=300, deadline=None)
@given(_text)
def test_never_raises_and_encodes_as_utf8(raw: str) -> None:
    once = normalize(raw)
    assert isinstance(once, str)
    once.encode("utf-8")  # what hyperscan scans: no surrogate survives


@settings(max_examples=300, deadline=None)
@given(_text)
def test_fast_nfkc_equals_unicodedata(raw: str) -> None:
    cleaned = "".join(c for c in raw if not 0xD800 <= ord(c) <= 0xDFFF)
    assert nfkc(cleaned) == unicodedata.normalize("NFKC", cleaned)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=60))
def test_ascii_fast_path_equals_general_path(raw: str) -> None:
    assert _normalize_ascii(raw) == _normalize_unicode(raw)


def test_import_builds_nothing() -> None:
    code = (
        "import sys\n"
        "import ombuds.matching.text\n"
        "import ombuds.matching.text.tables as t\n"
        "assert t._tables is None, 'tables built at import'\n"
        "assert 'ahocorasick' not in sys.modules and 'hyperscan' not in sys.modules\n"
        "assert 'confusable_homoglyphs' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_pickle_anywhere() -> None:
    import ombuds.matching.text as pkg

    root = Path(pkg.__file__).parent
    sources = [p.read_text(encoding="utf-8") for p in root.rglob("*.py")]
    assert sources
    assert not any("pickle" in s or "marshal" in s for s in sources)
