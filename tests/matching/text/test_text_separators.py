"""Squeezing separators out of a text, and mapping offsets back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.matching.text.separators import squeeze, squeeze_term


def test_squeeze_drops_separators_between_letters_only() -> None:
    sq = squeeze("b.a.d w-o-r-d. end -x")
    assert sq is not None
    assert sq.text == "bad word. end -x"


def test_nothing_to_squeeze() -> None:
    assert squeeze("plain words, and punctuation!") is None
    assert squeeze_term("plain") == "plain"


def test_cjk_and_digits_are_letters_here() -> None:
    assert squeeze_term("六.四") == "六四"
    assert squeeze_term("1-2-3") == "123"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab 1.-_*,六"), max_size=30))
def test_offsets_map_back(text: str) -> None:
    sq = squeeze(text)
    if sq is None:
        assert squeeze_term(text) == text
        return
    assert sq.text == squeeze_term(text)
    for i, ch in enumerate(sq.text):
        # A one-character span maps onto the same character in the original text.
        assert text[sq.start(i)] == ch
        assert sq.end(i + 1) == sq.start(i) + 1
