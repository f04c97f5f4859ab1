"""The one small interface every multi-pattern backend implements."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

# (literal id, end offset in the scanned str) for every occurrence of every literal.
LiteralHits = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """A validated regular expression.

    `source` is what the author wrote (hyperscan reads it); `compiled` is the Python regex
    that confirms matches and gives spans, so every backend reports Python `re` semantics.
    `gate_source` is equivalent to `source` but safe inside an alternation, and `shareable`
    says whether it may share one (numbered back-references would point at the wrong group).
    """

    source: str
    compiled: re.Pattern[str]
    gate_source: str
    shareable: bool


class BackendPatternError(Exception):
    """A backend rejected pattern number `index` (-1: it could not tell which one)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


class Automaton(ABC):
    """A set of literals and patterns compiled once, scanned per message.

    Implementations must be safe to call from several threads at once.
    """

    backend: ClassVar[str]

    @abstractmethod
    def scan(self, text: str, *, patterns: bool = True) -> tuple[LiteralHits, Sequence[int]]:
        """Literal occurrences, and ids of patterns that may match (a superset: the caller
        confirms each with `PatternSpec.compiled`). `patterns=False` skips the patterns."""

    def scan_many(
        self, texts: Sequence[str], *, patterns: bool = True
    ) -> list[tuple[LiteralHits, Sequence[int]]]:
        """`scan` of each text, in order. A backend may share one pass among them; offsets
        stay relative to each text."""
        return [self.scan(text, patterns=patterns) for text in texts]

    def native_bytes(self) -> int | None:
        """Size of the compiled structures outside the Python heap, when the backend knows."""
        return None


# Builds an automaton from literal strings (ids are their positions) and patterns (likewise).
BackendFactory = Callable[[Sequence[str], Sequence[PatternSpec]], Automaton]
