"""Lexicon: a named list of text rules, each with a category."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RuleKind(StrEnum):
    TERM = "term"  # one term
    COMBINATION = "combination"  # every term must appear in the message, in any order
    PATTERN = "pattern"  # a regular expression


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """`terms` holds one term for TERM, several for COMBINATION; `pattern` for PATTERN."""

    rule_id: str
    kind: RuleKind
    category: str
    terms: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """`separator_insensitive` makes `b.a.d w-o-r-d` match `bad word`.

    Opt in: it widens what matches, so a lexicon chooses it.
    """

    name: str
    rules: tuple[LexiconRule, ...]
    description: str = ""
    separator_insensitive: bool = False
