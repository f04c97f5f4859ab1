"""TextMatcher behaviour, checked identically on every registered backend."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest

from ombuds.domain import Evidence, Lexicon, LexiconRule, RuleKind
from ombuds.errors import LexiconError
from ombuds.matching.text import TextMatcher, compile_lexicons

Build = Callable[..., TextMatcher]


# Rule builders (repeated per module: importlib import mode has no shared test helpers).
def term(rule_id: str, text: str, category: str = "abuse") -> LexiconRule:
    return LexiconRule(rule_id, RuleKind.TERM, category, (text,))


def combo(rule_id: str, *terms: str, category: str = "politics") -> LexiconRule:
    return LexiconRule(rule_id, RuleKind.COMBINATION, category, terms)


def pattern(rule_id: str, source: str, category: str = "spam") -> LexiconRule:
    return LexiconRule(rule_id, RuleKind.PATTERN, category, pattern=source)


def lexicon(name: str, *rules: LexiconRule, separators: bool = False) -> Lexicon:
    return Lexicon(name, rules, separator_insensitive=separators)


def ids(evidence: list[Evidence]) -> list[str]:
    return [e.rule_id for e in evidence]


# --- terms and word boundaries ------------------------------------------------------------


def test_term_hit_reports_normalized_term_and_span(compile_with: Build) -> None:
    m = compile_with(lexicon("abuse", term("t1", "bad word")))
    text, evidence = m.match_with_text("a BAD Word!")
    assert len(evidence) == 1
    e = evidence[0]
    assert (e.source, e.name, e.rule_id, e.category) == ("lexicon", "abuse", "t1", "abuse")
    assert e.matched_text == ("bad word",)
    assert e.spans == ((2, 10),)
    assert text[2:10] == "bad word"


@pytest.mark.parametrize("text", ["class", "assess", "bass guitar", "ass_hole", "ass2"])
def test_latin_term_needs_word_boundaries(compile_with: Build, text: str) -> None:
    assert compile_with(lexicon("l", term("t", "ass"))).match(text) == []


@pytest.mark.parametrize("text", ["ass", "you ass!", "(ass)", "ass, really", "说ass话"])
def test_latin_term_on_boundaries_hits(compile_with: Build, text: str) -> None:
    assert ids(compile_with(lexicon("l", term("t", "ass"))).match(text)) == ["t"]


def test_occurrence_failing_boundary_does_not_hide_a_valid_one(compile_with: Build) -> None:
    evidence = compile_with(lexicon("l", term("t", "ass"))).match("class ass")
    assert [e.spans for e in evidence] == [((6, 9),)]


def test_every_occurrence_is_a_span_of_one_evidence(compile_with: Build) -> None:
    evidence = compile_with(lexicon("l", term("t", "spam"))).match("spam and spam")
    assert len(evidence) == 1
    assert evidence[0].spans == ((0, 4), (9, 13))


@pytest.mark.parametrize(
    ("text", "span"),
    [("纪念六四事件", (2, 4)), ("六四", (0, 2)), ("abc六四def", (3, 5)), ("你说六四了吗", (2, 4))],
)
def test_cjk_term_matches_as_substring(
    compile_with: Build, text: str, span: tuple[int, int]
) -> None:
    evidence = compile_with(lexicon("l", term("t", "六四"))).match(text)
    assert [e.spans for e in evidence] == [(span,)]


def test_japanese_and_korean_terms(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("ja", "カタカナ"), term("ko", "바보")))
    assert ids(m.match("これはｶﾀｶﾅです")) == ["ja"]  # half-width katakana widen
    assert ids(m.match("너는바보야")) == ["ko"]


# --- normalization tricks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "disguised",
    [
        "ＢＡＤ　ＷＯＲＤ",  # full-width
        "b\u200bad wo\u200drd",  # zero-width space and joiner
        "bad\ufe0f wor\u00add",  # variation selector, soft hyphen
        "bаd wоrd",  # Cyrillic а, о
        "bαd wοrd",  # Greek α, ο
        "  BAD \n\t WORD ",  # case and spacing
    ],
)
def test_disguised_terms_are_found(compile_with: Build, disguised: str) -> None:
    assert ids(compile_with(lexicon("l", term("t", "bad word"))).match(disguised)) == ["t"]


@pytest.mark.parametrize("written", ["ＢＡＤ", "bаd", "B\u200bAD", " bad "])
def test_terms_are_normalized_like_messages(compile_with: Build, written: str) -> None:
    evidence = compile_with(lexicon("l", term("t", written))).match("so bad!")
    assert [e.matched_text for e in evidence] == [("bad",)]


def test_full_width_cjk_punctuation_around_cjk_term(compile_with: Build) -> None:
    assert ids(compile_with(lexicon("l", term("t", "坦克"))).match("坦克，来了！")) == ["t"]


# --- separator tricks ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["b.a.d w-o-r-d", "b*a*d w_o_r_d", "b.a.d  w.o.r.d!", "bad word"])
def test_separator_insensitive_lexicon_ignores_separators(compile_with: Build, text: str) -> None:
    m = compile_with(lexicon("l", term("t", "bad word"), separators=True))
    norm, evidence = m.match_with_text(text)
    assert ids(evidence) == ["t"]
    start, end = evidence[0].spans[0]
    assert norm[start] == "b"
    assert norm[end - 1] == "d"


def test_separator_span_maps_back_to_normalized_text(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("t", "bad"), separators=True))
    norm, evidence = m.match_with_text("so b.a.d!")
    assert evidence[0].spans == ((3, 8),)
    assert norm[3:8] == "b.a.d"


def test_separators_matter_when_lexicon_does_not_opt_in(compile_with: Build) -> None:
    assert compile_with(lexicon("l", term("t", "bad word"))).match("b.a.d w-o-r-d") == []


def test_separator_terms_are_squeezed_too(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("t", "e-mail"), separators=True))
    assert ids(m.match("send e.mail now")) == ["t"]
    assert ids(m.match("send email now")) == ["t"]


def test_squeezing_keeps_word_boundaries(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("t", "ass"), separators=True))
    assert m.match("cl.a.s.s") == []
    assert ids(m.match("a.s.s")) == ["t"]


def test_mixed_lexicons_with_and_without_separators(compile_with: Build) -> None:
    m = compile_with(
        lexicon("plain", term("p", "bad")),
        lexicon("sep", term("s", "bad"), separators=True),
    )
    assert [(e.name, e.rule_id) for e in m.match("b.a.d")] == [("sep", "s")]
    assert [(e.name, e.rule_id) for e in m.match("bad, b.a.d")] == [("plain", "p"), ("sep", "s")]


# --- combinations ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["六四 坦克 广场", "广场上的坦克，六四", "坦克六四广场"])
def test_combination_matches_all_terms_in_any_order(compile_with: Build, text: str) -> None:
    m = compile_with(lexicon("l", combo("c", "六四", "坦克", "广场")))
    evidence = m.match(text)
    assert ids(evidence) == ["c"]
    assert evidence[0].matched_text == ("六四", "坦克", "广场")
    assert len(evidence[0].spans) == 3


@pytest.mark.parametrize("text", ["六四 坦克", "坦克 广场", "", "nothing here"])
def test_combination_with_a_missing_term_does_not_match(compile_with: Build, text: str) -> None:
    assert compile_with(lexicon("l", combo("c", "六四", "坦克", "广场"))).match(text) == []


def test_combination_terms_respect_boundaries(compile_with: Build) -> None:
    m = compile_with(lexicon("l", combo("c", "ass", "kick")))
    assert m.match("a classy kick") == []
    assert ids(m.match("kick ass")) == ["c"]


def test_term_shared_by_rules_and_lexicons(compile_with: Build) -> None:
    m = compile_with(
        lexicon("a", term("t", "tank"), combo("c", "tank", "square")),
        lexicon("b", term("t", "TANK")),
    )
    assert [(e.name, e.rule_id) for e in m.match("a tank")] == [("a", "t"), ("b", "t")]
    assert [(e.name, e.rule_id) for e in m.match("tank square")] == [
        ("a", "t"),
        ("a", "c"),
        ("b", "t"),
    ]


# --- patterns ----------------------------------------------------------------------------------


def test_pattern_hits_with_spans(compile_with: Build) -> None:
    m = compile_with(lexicon("l", pattern("p", r"buy\s+now\d*")))
    evidence = m.match("BUY now123 or buy now")
    assert ids(evidence) == ["p"]
    assert evidence[0].spans == ((0, 10), (14, 21))
    assert evidence[0].matched_text == ("buy now123", "buy now")


def test_pattern_reads_normalized_text(compile_with: Build) -> None:
    m = compile_with(lexicon("l", pattern("p", r"\d{3}-\d{4}")))
    assert ids(m.match("call ５５５－１２３４")) == ["p"]  # full-width digits and hyphen


def test_pattern_miss(compile_with: Build) -> None:
    assert compile_with(lexicon("l", pattern("p", r"free\s+money"))).match("money free") == []


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (r"(ab)\1", "xxababyy"),  # numbered back-reference
        (r"(?P<w>\w)(?P=w){3}", "zzzz"),  # named back-reference
        (r"(?x) b a d  # comment", "so bad"),  # global verbose flag
        (r"\u516d\u56db", "六四"),  # Python-only escapes
        (r"\N{LATIN SMALL LETTER Z}{2}", "zz top"),
        (r"a{,2}b", "ab"),  # Python's {,n}
        (r"(?<!x)yz", "ayz"),  # lookbehind
    ],
)
def test_python_regex_features(compile_with: Build, source: str, text: str) -> None:
    assert ids(compile_with(lexicon("l", pattern("p", source))).match(text)) == ["p"]


def test_patterns_sharing_group_names(compile_with: Build) -> None:
    m = compile_with(lexicon("l", pattern("p1", r"(?P<x>foo)bar"), pattern("p2", r"(?P<x>baz)")))
    assert ids(m.match("foobar baz")) == ["p1", "p2"]
    assert ids(m.match("baz")) == ["p2"]


def test_global_flags_in_patterns_that_share_a_scan(compile_with: Build) -> None:
    m = compile_with(
        lexicon(
            "l",
            pattern("verbose", "(?x) free \\s+ money  # trailing comment"),
            pattern("dotall", "(?s)win.+prize"),
            pattern("plain", "spam+"),
        )
    )
    assert ids(m.match("free money to win a prize")) == ["verbose", "dotall"]
    assert ids(m.match("spammm")) == ["plain"]
    assert m.match("free cash") == []


def test_overlapping_patterns_are_all_reported(compile_with: Build) -> None:
    m = compile_with(lexicon("l", pattern("short", "ab"), pattern("long", "abc")))
    assert ids(m.match("abc")) == ["short", "long"]


def test_lookaround_only_pattern(backend: str) -> None:
    # Hyperscan refuses a pattern that can only match empty strings at compile time; the
    # other backends accept it, and an empty match must then count as no match.
    lexicons = [lexicon("l", pattern("p", r"(?=bad)"))]
    if backend == "hyperscan":
        with pytest.raises(LexiconError):
            compile_lexicons(lexicons, backend=backend)
    else:
        assert compile_lexicons(lexicons, backend=backend).match("bad") == []


# --- filter, order, misc ------------------------------------------------------------------


def test_lexicon_filter(compile_with: Build) -> None:
    m = compile_with(
        lexicon("a", term("ta", "spam")),
        lexicon("b", term("tb", "spam"), pattern("pb", "spa+m")),
        lexicon("c", term("tc", "s-p-a-m"), separators=True),
    )
    assert [e.name for e in m.match("spam")] == ["a", "b", "b", "c"]
    assert [e.name for e in m.match("spam", lexicons=["b"])] == ["b", "b"]
    assert [e.name for e in m.match("s.p.a.m", lexicons={"a", "c"})] == ["c"]
    assert m.match("s.p.a.m", lexicons={"a"}) == []
    assert m.match("spam", lexicons=[]) == []
    assert m.match("spam", lexicons=["unknown"]) == []


def test_evidence_is_ordered_by_lexicon_then_rule(compile_with: Build) -> None:
    m = compile_with(
        lexicon("first", pattern("p", "zeta"), term("t", "alpha")),
        lexicon("second", term("u", "alpha")),
    )
    assert [(e.name, e.rule_id) for e in m.match("alpha zeta")] == [
        ("first", "p"),
        ("first", "t"),
        ("second", "u"),
    ]


def test_rule_count_and_names(compile_with: Build) -> None:
    m = compile_with(
        lexicon("a", term("t1", "x1"), combo("c1", "y1", "z1"), pattern("p1", "q+")),
        lexicon("b", term("t1", "x1")),
    )
    assert m.rule_count == 4
    assert m.lexicon_names == ("a", "b")


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b"])
def test_empty_text_matches_nothing(compile_with: Build, text: str) -> None:
    assert compile_with(lexicon("l", term("t", "bad"), pattern("p", "b"))).match(text) == []


def test_no_lexicons(compile_with: Build) -> None:
    m = compile_with()
    assert m.rule_count == 0
    assert m.match("anything at all") == []


def test_spans_index_the_normalized_text_after_non_ascii(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("t", "bad"), pattern("p", "wor+d")))
    norm, evidence = m.match_with_text("你好😀世界 ＢＡＤ ｗｏｒｒｄ")
    got = {e.rule_id: [norm[s:e] for s, e in e.spans] for e in evidence}
    assert got == {"t": ["bad"], "p": ["worrd"]}


def test_long_text(compile_with: Build) -> None:
    filler = "lorem ipsum 你好 " * 2000
    evidence = compile_with(lexicon("l", term("t", "needle"))).match(filler + "needle")
    assert ids(evidence) == ["t"]


def test_backends_agree_on_random_messages(backend: str) -> None:
    rng = random.Random(7)
    alphabet = "abcde 六四坦克.-ＡＢ\u200b"
    terms = sorted(
        {"".join(rng.choice("abcde六四") for _ in range(rng.randint(2, 4))) for _ in range(60)}
    )
    lexicons = [
        lexicon("t", *(term(f"t{i}", t) for i, t in enumerate(terms))),
        lexicon("s", *(term(f"s{i}", t) for i, t in enumerate(terms[:20])), separators=True),
        lexicon("c", combo("c1", terms[0], terms[1]), pattern("p", "a[bc]+d")),
    ]
    reference = compile_lexicons(lexicons, backend="hyperscan")
    other = compile_lexicons(lexicons, backend=backend)
    messages = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)
    ]
    assert sum(bool(reference.match(t)) for t in messages) > 30  # the check has teeth
    for text in messages:
        assert other.match(text) == reference.match(text), text


def test_matcher_is_thread_safe(compile_with: Build) -> None:
    m = compile_with(lexicon("l", term("t", "needle"), pattern("p", "hay+")))
    expected = m.match("hayy needle")
    errors: list[object] = []

    def work() -> None:
        for _ in range(300):
            if m.match("hayy needle") != expected:
                errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(expected) == 2
    assert errors == []
