"""Invalid lexicons are refused with LexiconError naming the lexicon and the rule (`field`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.errors import ConfigError, ExitCode, LexiconError
from ombuds.matching.text import TextMatcher, backend_names, backends, compile_lexicons
from ombuds.matching.text.backends import Automaton, PatternSpec, get_backend, register_backend

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


def refused(build: Build, *lexicons: Lexicon) -> LexiconError:
    with pytest.raises(LexiconError) as info:
        build(*lexicons)
    return info.value


@pytest.mark.parametrize(
    "rule",
    [
        term("r1", ""),
        term("r1", "   "),
        term("r1", "\u200b\ufe0f"),  # empty once invisibles are removed
        combo("r1", "alone"),
        combo("r1", "same", "SAME"),  # one distinct term after normalization
        combo("r1", "ok", ""),
        LexiconRule("r1", RuleKind.TERM, "c", ("two", "terms")),
        LexiconRule("r1", RuleKind.TERM, "c", ("x",), pattern="x"),
        LexiconRule("r1", RuleKind.PATTERN, "c"),
        LexiconRule("r1", RuleKind.PATTERN, "c", ("x",), pattern="x"),
        pattern("r1", "("),
        pattern("r1", "[a-"),
        pattern("r1", "a*"),  # matches the empty string: would match every message
        pattern("r1", "x|"),
        pattern("r1", "[[:alpha:]]"),  # Python warns the meaning will change; PCRE differs
    ],
)
def test_invalid_rule_is_refused_with_its_id(compile_with: Build, rule: LexiconRule) -> None:
    error = refused(compile_with, lexicon("my-lexicon", term("ok", "fine"), rule))
    assert error.field == "r1"
    assert "my-lexicon" in str(error)
    assert "'r1'" in str(error)
    assert error.exit_code is ExitCode.INVALID_INPUT


def test_separator_lexicon_term_collapsing_to_one(compile_with: Build) -> None:
    error = refused(compile_with, lexicon("l", combo("c9", "b-a-d", "bad"), separators=True))
    assert error.field == "c9"


def test_duplicate_rule_ids(compile_with: Build) -> None:
    error = refused(compile_with, lexicon("l", term("dup", "a1"), term("dup", "b1")))
    assert error.field == "dup"
    assert "duplicate" in error.message


def test_same_rule_id_in_two_lexicons_is_fine(compile_with: Build) -> None:
    m = compile_with(lexicon("a", term("r", "x1")), lexicon("b", term("r", "x1")))
    assert [e.name for e in m.match("x1")] == ["a", "b"]


def test_duplicate_lexicon_names(compile_with: Build) -> None:
    error = refused(compile_with, lexicon("same", term("a", "a1")), lexicon("same"))
    assert error.field == "name"


def test_unnamed_lexicon_and_rule(compile_with: Build) -> None:
    assert refused(compile_with, lexicon("", term("a", "a1"))).field == "name"
    assert refused(compile_with, lexicon("l", term("", "a1"))).field == "rule_id"


def test_backend_rejection_names_the_rule() -> None:
    # Python accepts an embedded end anchor; hyperscan does not.
    bad = lexicon("lx", pattern("fine", "ok+"), pattern("p7", r"a\Zb"))
    with pytest.raises(LexiconError) as info:
        compile_lexicons([bad], backend="hyperscan")
    assert info.value.field == "p7"
    assert "lx" in str(info.value)
    assert "hyperscan" in str(info.value)


def test_hyperscan_refuses_lookaround_only_pattern() -> None:
    with pytest.raises(LexiconError) as info:
        compile_lexicons([lexicon("l", pattern("p", "(?=bad)"))], backend="hyperscan")
    assert info.value.field == "p"


def test_unknown_backend() -> None:
    with pytest.raises(ConfigError) as info:
        compile_lexicons([], backend="nope")
    assert info.value.field == "backend"
    assert "hyperscan" in str(info.value)


def test_registry_lists_both_backends() -> None:
    assert {"hyperscan", "pyahocorasick"} <= set(backend_names())


def test_registered_backend_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "_registered", dict(backends._registered))
    calls: list[int] = []
    inner = get_backend("pyahocorasick")

    def counting(literals: Sequence[str], patterns: Sequence[PatternSpec]) -> Automaton:
        calls.append(len(literals))
        return inner(literals, patterns)

    register_backend("counting-test", counting)
    m = compile_lexicons([lexicon("l", term("t", "x1"), term("u", "y1"))], backend="counting-test")
    assert calls == [2]
    assert m.backend == "counting-test"
    assert [e.rule_id for e in m.match("y1")] == ["u"]
