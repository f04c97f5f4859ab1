"""`TextMatcher.match_many` (one scan shared by many texts) answers exactly as `match` does
for each text alone, on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.matching.text import TextMatcher

Build = Callable[..., TextMatcher]

TERMS = ("bad", "ab", "六四", "坦克", "dé", "a b", "bb", "ＡＢ")
LEXICONS = (
    Lexicon(
        "terms",
        tuple(LexiconRule(f"t{i}", RuleKind.TERM, "abuse", (t,)) for i, t in enumerate(TERMS)),
    ),
    Lexicon(
        "squeezed",
        (LexiconRule("s", RuleKind.TERM, "spam", ("bad word",)),),
        separator_insensitive=True,
    ),
    Lexicon(
        "mixed",
        (
            LexiconRule("c", RuleKind.COMBINATION, "politics", ("ab", "坦克")),
            LexiconRule("p", RuleKind.PATTERN, "spam", pattern=r"^a[bc]+d"),
            LexiconRule("q", RuleKind.PATTERN, "spam", pattern=r"d\b"),
        ),
    ),
)
NAMES = tuple(lexicon.name for lexicon in LEXICONS)
# Newlines (the joining byte), multi-byte and invisible characters, full-width letters and
# separators: everything that could make a shared scan misplace a hit.
MESSAGE = st.text(alphabet="ab cd\n.-é六四坦克ＡＢ\u200b\u0301", max_size=30)
FILTER = st.one_of(st.none(), st.frozensets(st.sampled_from(NAMES)))


@pytest.fixture
def matcher(compile_with: Build) -> TextMatcher:
    return compile_with(*LEXICONS)


# The matcher is immutable: sharing it between examples is what the health check fears, safely.
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(messages=st.lists(st.tuples(MESSAGE, FILTER), max_size=12))
def test_match_many_equals_match_one_by_one(
    matcher: TextMatcher, messages: list[tuple[str, frozenset[str] | None]]
) -> None:
    texts = [text for text, _ in messages]
    filters = [names for _, names in messages]
    expected = [matcher.match(text, names) for text, names in messages]
    assert matcher.match_many(texts, filters) == expected


def test_hits_land_in_their_own_message(matcher: TextMatcher) -> None:
    texts = ["xx bad", "六四坦克", "", "nothing here", "ab\nab 坦克", "bad"]
    found = matcher.match_many(texts, [None] * len(texts))
    got = [[(e.rule_id, e.spans) for e in evidence] for evidence in found]
    # Offsets are each message's own, in its normalized text, never the joined buffer's.
    assert got == [
        [("t0", ((3, 6),)), ("q", ((5, 6),))],
        [("t2", ((0, 2),)), ("t3", ((2, 4),))],
        [],
        [],
        [
            ("t1", ((0, 2), (3, 5))),
            ("t3", ((6, 8),)),
            ("t7", ((0, 2), (3, 5))),
            ("c", ((0, 2), (3, 5), (6, 8))),
        ],
        [("t0", ((0, 3),)), ("q", ((2, 3),))],
    ]


def test_filters_apply_per_message(matcher: TextMatcher) -> None:
    found = matcher.match_many(["bad", "bad"], [frozenset({"mixed"}), frozenset({"terms"})])
    assert [[e.rule_id for e in evidence] for evidence in found] == [["q"], ["t0"]]
