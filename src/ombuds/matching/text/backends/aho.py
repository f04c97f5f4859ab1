"""pyahocorasick backend: one Aho-Corasick automaton for terms, combined `re` gates for patterns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ombuds.errors import MissingExtraError
from ombuds.matching.text.backends.base import (
    Automaton,
    BackendPatternError,
    LiteralHits,
    PatternSpec,
)


class _Gate:
    """One alternation of several patterns: a single C-level search per message says whether
    any of them can match; only then are they confirmed one by one (rare)."""

    __slots__ = ("ids", "regex")

    def __init__(self, regex: re.Pattern[str], ids: tuple[int, ...]) -> None:
        self.regex = regex
        self.ids = ids


def _gates(patterns: Sequence[PatternSpec]) -> list[_Gate]:
    groups: list[list[int]] = []
    current: list[int] | None = None
    names: set[str] = set()
    for i, p in enumerate(patterns):
        own = set(p.compiled.groupindex)
        if not p.shareable:
            groups.append([i])
        elif current is None or own & names:
            # Two patterns with the same group name cannot share an alternation.
            current = [i]
            groups.append(current)
            names = own
        else:
            current.append(i)
            names |= own
    gates: list[_Gate] = []
    for ids in groups:
        if len(ids) == 1:
            gates.append(_Gate(patterns[ids[0]].compiled, (ids[0],)))
            continue
        source = "|".join(f"(?:{patterns[i].gate_source})" for i in ids)
        try:
            gates.append(_Gate(re.compile(source, re.IGNORECASE), tuple(ids)))
        except re.error:
            # Should not happen for validated patterns; stay correct with one gate each.
            gates.extend(_Gate(patterns[i].compiled, (i,)) for i in ids)
    return gates


class AhoCorasickAutomaton(Automaton):
    backend = "pyahocorasick"

    def __init__(self, literals: Sequence[str], patterns: Sequence[PatternSpec]) -> None:
        try:
            import ahocorasick
        except ImportError:  # pragma: no cover - depends on the environment
            raise MissingExtraError("pyahocorasick", "ahocorasick") from None
        self._automaton: Any = None
        if literals:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for i, literal in enumerate(literals):
                automaton.add_word(literal, i)
            automaton.make_automaton()
            self._automaton = automaton
        for i, p in enumerate(patterns):
            if not p.source:
                raise BackendPatternError(i, "empty pattern")
        self._gates = _gates(patterns)

    def scan(self, text: str, *, patterns: bool = True) -> tuple[LiteralHits, Sequence[int]]:
        hits: LiteralHits = []
        if self._automaton is not None:
            # iter() gives the inclusive index of the last character.
            hits = [(lit_id, end + 1) for end, lit_id in self._automaton.iter(text)]
        ids: list[int] = []
        if patterns:
            for gate in self._gates:
                if gate.regex.search(text) is not None:
                    ids.extend(gate.ids)
        return hits, ids


def build(literals: Sequence[str], patterns: Sequence[PatternSpec]) -> Automaton:
    return AhoCorasickAutomaton(literals, patterns)
