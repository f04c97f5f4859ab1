"""Lexicon and policy JSON files: round trips and located errors."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombuds.domain import Action, Lexicon, LexiconRule, Policy, RuleKind
from ombuds.domain.scope import Scope
from ombuds.errors import ImportFileError
from ombuds.records import (
    Store,
    dump_lexicon_json,
    parse_lexicon_json,
    parse_policy_json,
    read_lexicon_file,
    read_policy_file,
    write_lexicon_file,
    write_policy_file,
)

LEXICON_TEXT = """{
  "format": "ombuds.lexicon/1",
  "name": "spam-en",
  "rules": [
    {"id": "r1", "kind": "term", "category": "spam", "term": "buy now"},
    {"id": "r2", "kind": "combination", "category": "scam", "terms": ["bank", "pin"]},
    {"id": "r3", "kind": "pattern", "category": "spam", "pattern": "free\\\\s+money"}
  ]
}
"""

POLICY_TEXT = """{
  "name": "eu",
  "scope": "region == 'eu'",
  "banks": ["B"],
  "actions": {"csam": "block", "hate speech": "review"},
  "default_action": "label",
  "enabled": false
}
"""


def _error(parse: object, text: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        parse(text, file="f.json")  # type: ignore[operator]
    assert info.value.file == "f.json"
    return info.value


def test_lexicon_reads_all_rule_kinds() -> None:
    lexicon = parse_lexicon_json(LEXICON_TEXT)
    assert lexicon == Lexicon(
        "spam-en",
        rules=(
            LexiconRule("r1", RuleKind.TERM, "spam", terms=("buy now",)),
            LexiconRule("r2", RuleKind.COMBINATION, "scam", terms=("bank", "pin")),
            LexiconRule("r3", RuleKind.PATTERN, "spam", pattern=r"free\s+money"),
        ),
    )


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines)


RULE = '    {{"id": "{id}", "kind": "{kind}", "category": "spam", {body}}},'


@pytest.mark.parametrize(
    ("line", "replacement", "field", "message"),
    [
        (
            6,
            RULE.format(id="r2", kind="pattern", body='"pattern": "(unclosed"'),
            "rules[1].pattern",
            "invalid regular expression",
        ),
        (
            6,
            RULE.format(id="r2", kind="pattern", body='"pattern": "a*"'),
            "rules[1].pattern",
            "empty string",
        ),
        (
            6,
            RULE.format(id="r2", kind="pattern", body='"pattern": "[[a]"'),
            "rules[1].pattern",
            "ambiguous",
        ),
        (6, RULE.format(id="r1", kind="term", body='"term": "x"'), "rules[1].id", "used twice"),
        (6, RULE.format(id="r2", kind="term", body='"term": "  "'), "rules[1].term", "empty"),
        (
            6,
            RULE.format(id="r2", kind="term", body='"terms": ["a", "b"]'),
            "rules[1].terms",
            "unknown key",
        ),
        (
            6,
            RULE.format(id="r2", kind="regex", body='"pattern": "x"'),
            "rules[1].kind",
            "not one of",
        ),
        (
            6,
            RULE.format(id="r2", kind="combination", body='"terms": ["a"]'),
            "rules[1].terms",
            "at least two",
        ),
        (
            6,
            RULE.format(id="r2", kind="combination", body='"terms": ["a", "a"]'),
            "rules[1].terms[1]",
            "twice",
        ),
        (
            6,
            RULE.format(id="r2", kind="term", body='"term": 5'),
            "rules[1].term",
            "expected a string",
        ),
        (6, RULE.format(id="r2", kind="term", body='"term": "a\\u0000"'), "rules[1].term", "NUL"),
        (
            6,
            RULE.format(id="r2", kind="term", body='"term": "\\ud800"'),
            "rules[1].term",
            "surrogate",
        ),
        (3, '  "name": "",', "name", "empty"),
        (3, '  "nmae": "x",', "nmae", "unknown key"),
        (2, '  "format": "ombuds.policy/1",', "format", "expected 'ombuds.lexicon/1'"),
        (6, '    {"id": "r2", "kind": "term", "category": "spam", "term": NaN},', None, "NaN"),
        (
            6,
            '    {"id": "r2", "kind": "term", "category": "spam", "id": "x"},',
            "rules[1].id",
            "twice",
        ),
    ],
)
def test_lexicon_errors_name_line_and_field(
    line: int, replacement: str, field: str | None, message: str
) -> None:
    error = _error(parse_lexicon_json, _replace_line(LEXICON_TEXT, line, replacement))
    assert error.line == line
    assert error.field == field
    assert message in error.message


def test_lexicon_missing_key_points_at_its_object() -> None:
    text = _replace_line(LEXICON_TEXT, 6, '    {"id": "r2", "category": "spam", "term": "x"},')
    error = _error(parse_lexicon_json, text)
    assert (error.line, error.field) == (6, "rules[1]")
    assert "kind" in error.message
    error = _error(parse_lexicon_json, '{\n  "name": "x"\n}')
    assert (error.line, error.field) == (1, None)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n  "name": "x",\n  "rules": [,]\n}', 3, "invalid JSON"),
        ("", 1, "empty"),
        ("  \n\n", 1, "empty"),
        ("[1]", 1, "expected an object"),
    ],
)
def test_lexicon_syntax_errors(text: str, line: int, message: str) -> None:
    error = _error(parse_lexicon_json, text)
    assert error.line == line
    assert message in error.message


def test_files_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    path.write_bytes(LEXICON_TEXT.replace("buy now", "caf\xe9").encode("latin-1"))
    with pytest.raises(ImportFileError) as info:
        read_lexicon_file(path)
    assert (info.value.file, info.value.line) == (str(path), 5)
    assert "UTF-8" in info.value.message
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        read_lexicon_file(path)
    with pytest.raises(ImportFileError, match="cannot read"):
        read_lexicon_file(tmp_path / "missing.json")


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    path.write_bytes(b"\xef\xbb\xbf" + LEXICON_TEXT.encode())
    assert read_lexicon_file(path).name == "spam-en"


def test_policy_reads_and_fills_defaults() -> None:
    p = parse_policy_json(POLICY_TEXT)
    assert p == Policy(
        "eu",
        Scope.parse("region == 'eu'"),
        banks=("B",),
        actions={"csam": Action.BLOCK, "hate speech": Action.REVIEW},
        default_action=Action.LABEL,
        enabled=False,
    )


@pytest.mark.parametrize(
    ("line", "replacement", "field", "message"),
    [
        (3, '  "scope": "region == ",', "scope", "column"),
        (3, '  "scope": "",', "scope", "empty"),
        (4, '  "banks": ["B", "B"],', "banks[1]", "twice"),
        (4, '  "banks": "B",', "banks", "expected a list"),
        (5, '  "actions": {"csam": "delete"},', "actions.csam", "not one of"),
        (
            5,
            '  "actions": {"csam": "block", "hate speech": 3},',
            'actions["hate speech"]',
            "expected a string",
        ),
        (5, '  "actions": ["block"],', "actions", "expected an object"),
        (6, '  "default_action": "BLOCK",', "default_action", "not one of"),
        (7, '  "enabled": "no"', "enabled", "true or false"),
    ],
)
def test_policy_errors_name_line_and_field(
    line: int, replacement: str, field: str, message: str
) -> None:
    error = _error(parse_policy_json, _replace_line(POLICY_TEXT, line, replacement))
    assert (error.line, error.field) == (line, field)
    assert message in error.message


def test_a_bad_policy_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(_replace_line(POLICY_TEXT, 5, '  "actions": {"csam": "nuke"},'))
    with pytest.raises(ImportFileError) as info:
        store.save_policy(read_policy_file(path), actor="test")
    assert (info.value.line, info.value.field) == (5, "actions.csam")
    assert store.list_policies() == []


def test_file_round_trips(tmp_path: Path) -> None:
    lexicon = parse_lexicon_json(LEXICON_TEXT)
    write_lexicon_file(lexicon, tmp_path / "l.json")
    assert read_lexicon_file(tmp_path / "l.json") == lexicon
    policy = parse_policy_json(POLICY_TEXT)
    write_policy_file(policy, tmp_path / "p.json")
    assert read_policy_file(tmp_path / "p.json") == policy
    assert json.loads((tmp_path / "p.json").read_text())["format"] == "ombuds.policy/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.json", "p.json"]


_names = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=12)
_terms = st.text(min_size=1, max_size=20).filter(
    lambda t: bool(t.strip()) and "\x00" not in t and not any(0xD800 <= ord(c) < 0xE000 for c in t)
)


@st.composite
def _rule(draw: st.DrawFn, rule_id: str) -> LexiconRule:
    kind = draw(st.sampled_from(RuleKind))
    category = draw(_names)
    if kind is RuleKind.TERM:
        return LexiconRule(rule_id, kind, category, terms=(draw(_terms),))
    if kind is RuleKind.COMBINATION:
        terms = draw(st.lists(_terms, min_size=2, max_size=4, unique=True))
        return LexiconRule(rule_id, kind, category, terms=tuple(terms))
    words = draw(st.lists(_terms, min_size=1, max_size=3))
    return LexiconRule(rule_id, kind, category, pattern="|".join(map(re.escape, words)))


@st.composite
def _lexicons(draw: st.DrawFn) -> Lexicon:
    ids = draw(st.lists(_names, max_size=6, unique=True))
    return Lexicon(
        name=draw(_names),
        rules=tuple(draw(_rule(i)) for i in ids),
        description=draw(_terms | st.just("")),
        separator_insensitive=draw(st.booleans()),
    )


@given(_lexicons())
def test_lexicon_json_round_trip(lexicon: Lexicon) -> None:
    assert parse_lexicon_json(dump_lexicon_json(lexicon)) == lexicon
