"""Lexicons as JSON files (format `ombuds.lexicon/1`).

    {
      "format": "ombuds.lexicon/1",                 optional on read, always written
      "name": "spam-en",                            required, non-empty
      "description": "",                            optional
      "separator_insensitive": false,               optional
      "rules": [                                    required (may be empty)
        {"id": "r1", "kind": "term", "category": "spam", "term": "buy now"},
        {"id": "r2", "kind": "combination", "category": "scam", "terms": ["bank", "pin"]},
        {"id": "r3", "kind": "pattern", "category": "spam", "pattern": "free\\s+money"}
      ]
    }

Rule ids are unique within the file. A combination has at least two distinct terms. A pattern
is a Python `re` regular expression that compiles without warnings and cannot match the
empty string (it would match every message).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from typing import Any

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.records.files.jsondoc import JsonDoc, Node
from ombuds.records.files.text import read_text, write_text_atomic

LEXICON_FORMAT = "ombuds.lexicon/1"
_RULE_KEYS = {"id", "kind", "category"}
_KIND_KEY = {RuleKind.TERM: "term", RuleKind.COMBINATION: "terms", RuleKind.PATTERN: "pattern"}


def _pattern(node: Node) -> str:
    pattern = node.string(blank=False)
    try:
        with warnings.catch_warnings():
            # A FutureWarning ("possible nested set") means the meaning will change: refuse it.
            warnings.simplefilter("error")
            compiled = re.compile(pattern)
    except re.error as exc:
        where = "" if exc.pos is None else f" at position {exc.pos}"
        raise node.error(f"invalid regular expression: {exc.msg}{where}") from exc
    except Warning as exc:
        raise node.error(f"ambiguous regular expression: {exc}") from exc
    if compiled.search("") is not None:
        raise node.error("the pattern matches the empty string, so it would match every message")
    return pattern


def _rule(node: Node) -> LexiconRule:
    kind_node = node.members(required=_RULE_KEYS, optional=set(_KIND_KEY.values()))["kind"]
    kind = RuleKind(kind_node.choice([k.value for k in RuleKind]))
    fields = node.members(required={*_RULE_KEYS, _KIND_KEY[kind]}, optional=())
    rule_id = fields["id"].name_string()
    category = fields["category"].name_string()
    if kind is RuleKind.PATTERN:
        return LexiconRule(rule_id, kind, category, pattern=_pattern(fields["pattern"]))
    if kind is RuleKind.TERM:
        return LexiconRule(rule_id, kind, category, terms=(fields["term"].string(blank=False),))
    terms_node = fields["terms"]
    items = terms_node.items()
    terms: list[str] = []
    for item in items:
        term = item.string(blank=False)
        if term in terms:
            raise item.error(f"term {term!r} is listed twice")
        terms.append(term)
    if len(terms) < 2:
        raise terms_node.error("a combination needs at least two terms (use kind 'term' for one)")
    return LexiconRule(rule_id, kind, category, terms=tuple(terms))


def parse_lexicon_json(text: str, *, file: str = "<lexicon>") -> Lexicon:
    """A Lexicon from JSON text; ImportFileError with file, line and field on any problem."""
    root = JsonDoc(text, file).root()
    fields = root.members(
        required={"name", "rules"},
        optional={"format", "description", "separator_insensitive"},
    )
    if "format" in fields:
        fields["format"].check_format(LEXICON_FORMAT)
    rules: list[LexiconRule] = []
    seen: set[str] = set()
    for item in fields["rules"].items():
        rule = _rule(item)
        if rule.rule_id in seen:
            raise item.child("id").error(f"rule id '{rule.rule_id}' is used twice")
        seen.add(rule.rule_id)
        rules.append(rule)
    return Lexicon(
        name=fields["name"].name_string(),
        rules=tuple(rules),
        description=fields["description"].string() if "description" in fields else "",
        separator_insensitive=(
            fields["separator_insensitive"].boolean()
            if "separator_insensitive" in fields
            else False
        ),
    )


def lexicon_to_dict(lexicon: Lexicon) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for rule in lexicon.rules:
        data: dict[str, Any] = {"id": rule.rule_id, "kind": rule.kind.value}
        data["category"] = rule.category
        if rule.kind is RuleKind.PATTERN:
            data["pattern"] = rule.pattern
        elif rule.kind is RuleKind.TERM:
            data["term"] = rule.terms[0]
        else:
            data["terms"] = list(rule.terms)
        rules.append(data)
    return {
        "format": LEXICON_FORMAT,
        "name": lexicon.name,
        "description": lexicon.description,
        "separator_insensitive": lexicon.separator_insensitive,
        "rules": rules,
    }


def dump_lexicon_json(lexicon: Lexicon) -> str:
    return json.dumps(lexicon_to_dict(lexicon), indent=2, ensure_ascii=False) + "\n"


def read_lexicon_file(path: str | os.PathLike[str]) -> Lexicon:
    return parse_lexicon_json(read_text(path), file=str(path))


def write_lexicon_file(lexicon: Lexicon, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, dump_lexicon_json(lexicon))
