"""The one-search fast path of `normalize` gives exactly what the general path gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.matching.text.folds import char_folds, fold_if_simple
from ombuds.matching.text.normalize import _normalize_unicode

# Neighbours that a character could compose with, be deleted between, or fold beside.
_CONTEXTS = ("{}", "a{}", "{}a", "ᄀ{}", "가{}", "{}\u0301", "e{}\u0301", " {} ", "你{}，")


@pytest.mark.slow
def test_every_bmp_character_in_every_context() -> None:
    taken = 0
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        for context in _CONTEXTS:
            text = context.format(chr(cp))
            folded = fold_if_simple(text)
            if folded is not None:
                taken += 1
                assert folded == _normalize_unicode(text), (hex(cp), context)
    assert taken > 200_000  # the fast path does take most characters


_TRICKY = (
    "\u0301\u0308\u0345\u0344\u0390\u03b0\u1e9e\u0130ǅﬀ\uff9e\uff9f\u1100\u1161\u11a8ᄀ가\u01f0"
    "\u200b\u200d\ufe0f\u00ad\u3000ａＡаАοΟ\u0435\u0308é\u212b\u2126ΐ\u1f80\u0399，。！你好\n\t"
)


@settings(max_examples=500, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(_TRICKY)), max_size=40))
def test_fast_path_equals_general_path(raw: str) -> None:
    folded = fold_if_simple(raw)
    if folded is not None:
        assert folded == _normalize_unicode(raw)


def test_typical_chat_text_takes_the_fast_path() -> None:
    for text in ("你好，世界！", "Ｈｅｌｌｏ　ｗｏｒｌｄ", "café crème", "привет мир", "a\u200bb"):
        assert fold_if_simple(text) == _normalize_unicode(text)
    for text in ("e\u0301", "\U0001f600 smile", "ᄀ\u1161"):  # composes, or astral
        assert fold_if_simple(text) is None
    assert len(char_folds().alone) > 1_000
