"""Inline bank matching: exact signals of content looked up in the exact index; and the
cache of entry details the matchers of both tiers resolve their hits through."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from ombuds.domain import BankEntry, Content, Evidence, Signal
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.signals import IndexKind, SignalTypeRegistry

if TYPE_CHECKING:
    from ombuds.records import Store

EntryResolver = Callable[[Collection[int]], Mapping[int, BankEntry]]


def indexable(entry: BankEntry, now: datetime) -> bool:
    """Whether the live indexes hold the entry: active now, or disabled only until a time.

    An entry disabled until a time stays in the indexes and is skipped per hit (every matcher
    checks `BankEntry.active`), so it matches again the moment the time passes, with no timer.
    """
    if entry.expires_at is not None and now >= entry.expires_at:
        return False
    return entry.enabled or entry.disabled_until is not None


class EntryCache:
    """Resolves entry ids to entries through the store, remembering what it has seen.

    Both tiers resolve through it at once (request threads, deferred workers), and entries
    change under it: `forget` drops changed ones, so the next hit reads them afresh. A read
    that raced a `forget` is answered but not remembered, lest it bring the old state back.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[int, BankEntry] = {}
        self._lock = threading.Lock()
        self._epoch = 0  # bumped by every forget

    def __call__(self, ids: Collection[int]) -> Mapping[int, BankEntry]:
        with self._lock:
            found = {i: self._known[i] for i in ids if i in self._known}
            epoch = self._epoch
        missing = [i for i in ids if i not in found]
        if missing:
            fetched = self._store.get_entries_by_id(missing)
            with self._lock:
                if self._epoch == epoch:
                    self._known.update(fetched)
            found.update(fetched)
        return found

    def forget(self, ids: Iterable[int]) -> None:
        with self._lock:
            for i in ids:
                self._known.pop(i, None)
            self._epoch += 1

    def invalidate(self) -> None:
        with self._lock:
            self._known.clear()
            self._epoch += 1


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
