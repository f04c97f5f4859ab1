"""Inline bank matching: exact signals of content looked up in the exact index."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime

from ombuds.domain import BankEntry, Content, Evidence, Signal
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.signals import IndexKind, SignalTypeRegistry

EntryResolver = Callable[[Collection[int]], Mapping[int, BankEntry]]


class BankMatcher:
    """Finds bank entries whose exact signals equal the content's.

    The index holds only entry ids; entry details come from `resolve` on a hit, so ten
    million entries cost index memory only.
    """

    def __init__(
        self, index: ExactIndex, resolve: EntryResolver, registry: SignalTypeRegistry
    ) -> None:
        self._index = index
        self._resolve = resolve
        self._types = [t for t in registry if t.index_kind is IndexKind.EXACT and t.inline]

    @property
    def signal_type_names(self) -> frozenset[str]:
        return frozenset(t.name for t in self._types)

    @property
    def index(self) -> ExactIndex:
        return self._index

    def signals(self, content: Content) -> list[Signal]:
        found = (t.compute(content) for t in self._types if t.applies_to(content))
        return [s for s in found if s is not None]

    def match(self, signals: list[Signal], banks: Collection[str], now: datetime) -> list[Evidence]:
        refs = {ref for s in signals for ref in self._index.lookup(s.signal_type, s.value)}
        if not refs:
            return []
        entries = self._resolve(refs)
        evidence = []
        for entry in sorted(entries.values(), key=lambda e: e.public_id):
            if entry.bank in banks and entry.active(now):
                evidence.append(
                    Evidence(
                        source="bank",
                        name=entry.bank,
                        rule_id=entry.public_id,
                        category=entry.category,
                        signal_type=entry.signal.signal_type,
                        distance=0,
                    )
                )
        return evidence
