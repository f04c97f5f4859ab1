"""Bank changes applied to a running engine's indexes, without a rebuild.

An added or re-enabled entry goes into the index of its signal type; a removed entry, or
one disabled for good, comes out; the entry cache forgets both, so the next hit reads the
entry's current state from the store. The perceptual and near-text indexes take a batch in
one call; the exact index takes entries one by one, which never makes a lookup wait.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ombuds.domain import BankEntry
from ombuds.engine.banks import EntryCache
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.neartext import NearTextIndex
from ombuds.matching.perceptual import PDQIndex

_Grouped = dict[str, tuple[list[str], list[int]]]


@dataclass(frozen=True, slots=True)
class LiveIndexes:
    """The indexes a running engine matches against, and the cache in front of the store."""

    exact: ExactIndex
    exact_types: frozenset[str]
    pdq: PDQIndex | None = None
    neartext: NearTextIndex | None = None
    cache: EntryCache | None = None

    def add(self, entries: Mapping[int, BankEntry]) -> None:
        """Entries (by store id) the next lookup must find."""
        grouped = _by_type(entries)
        for signal_type, (values, refs) in grouped.items():
            if signal_type in self.exact_types:
                # One by one into the overlay: readers keep going while it grows, where a
                # bulk add would make the next lookup wait for a merge of the whole table.
                for value, ref in zip(values, refs, strict=True):
                    self.exact.add(signal_type, value, ref)
            elif signal_type == "pdq" and self.pdq is not None:
                rows = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8)
                self.pdq.add_many(rows.reshape(-1, 32), np.asarray(refs, dtype=np.int64))
            elif signal_type == "minhash" and self.neartext is not None:
                self.neartext.add_many(values, refs)
        self._forget_cached(entries)

    def remove(self, entries: Mapping[int, BankEntry]) -> None:
        """Entries (by store id) no lookup may find any more."""
        for signal_type, (values, refs) in _by_type(entries).items():
            if signal_type in self.exact_types:
                for value, ref in zip(values, refs, strict=True):
                    self.exact.remove(signal_type, value, ref)
            elif signal_type == "pdq" and self.pdq is not None:
                self.pdq.remove_many(refs)
            elif signal_type == "minhash" and self.neartext is not None:
                for ref in refs:
                    self.neartext.remove(ref)
        self._forget_cached(entries)

    def _forget_cached(self, entries: Mapping[int, BankEntry]) -> None:
        if self.cache is not None and entries:
            self.cache.forget(entries)


def _by_type(entries: Mapping[int, BankEntry]) -> _Grouped:
    grouped: _Grouped = defaultdict(lambda: ([], []))
    for ref, entry in entries.items():
        values, refs = grouped[entry.signal.signal_type]
        values.append(entry.signal.value)
        refs.append(ref)
    return grouped
