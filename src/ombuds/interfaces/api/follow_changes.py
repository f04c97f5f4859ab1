"""What a page of ledger entries asks of the running engine, and applying it.

Entries are read as pointers, not as state: an added or re-stated entry is read back from
the store by public id and refreshed (out of the indexes, and back in if indexable), so
applying a change twice, or after a later one, leaves the engine as the store says. A
removed entry is gone from the store, so the indexes are asked which ids they hold for its
signal, and the ids the store no longer backs with that signal come out. A change the
ledger does not name precisely (an import listed only by digest) re-reads its bank; a
deleted bank, whose entries went by cascade, rebuilds the engine beside the running one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from ombuds.domain import BankEntry, Signal
from ombuds.engine import Engine
from ombuds.errors import NotFoundError
from ombuds.matching.signals import default_registry
from ombuds.records.ledger import Kind, LedgerEntry

if TYPE_CHECKING:
    from ombuds.interfaces.api.runtime import Runtime

FOLLOWED = frozenset(
    {
        Kind.BANK_CREATE,
        Kind.BANK_DELETE,
        Kind.BANK_ADD,
        Kind.BANK_IMPORT,
        Kind.BANK_REMOVE,
        Kind.BANK_ENTRY_STATE,
        Kind.BANK_UPDATE,
        Kind.LEXICON_SAVE,
        Kind.LEXICON_DELETE,
        Kind.POLICY_SAVE,
        Kind.POLICY_DELETE,
    }
)
_RULES = frozenset({Kind.LEXICON_SAVE, Kind.LEXICON_DELETE, Kind.POLICY_SAVE, Kind.POLICY_DELETE})
_ADDED = frozenset({Kind.BANK_ADD, Kind.BANK_IMPORT})
BATCH = 2_000  # entries refreshed per hold of the engine lock
_EXACT_MATCH_PDQ = 0  # bits apart
_EXACT_MATCH_MINHASH = 1.0  # similarity


@dataclass
class Changes:
    """The changes of one page of entries, merged: each is applied once, in a safe order."""

    rebuild: bool = False
    rules: bool = False
    banks: dict[str, str | None] = field(default_factory=dict)  # name -> renamed from
    reread: set[str] = field(default_factory=set)  # banks whose entries are all re-read
    removed: set[tuple[str, str, str]] = field(default_factory=set)  # (bank, type, value)
    entries: set[str] = field(default_factory=set)  # public ids to read back
    count: int = 0

    def note(self, entry: LedgerEntry) -> None:
        self.count += 1
        kind, bank, payload = entry.kind, entry.subject, entry.payload
        if kind in _RULES:
            self.rules = True
        elif kind == Kind.BANK_DELETE:
            self.rebuild = True
        elif kind == Kind.BANK_CREATE:
            self.banks[bank] = self.banks.get(bank)
        elif kind == Kind.BANK_UPDATE:
            self._renamed(bank, payload)
        elif kind in _ADDED:
            self._added(bank, payload)
        elif kind == Kind.BANK_ENTRY_STATE:
            self._restated(bank, payload)
        elif kind == Kind.BANK_REMOVE:
            self._removed(bank, payload)

    def _renamed(self, bank: str, payload: Mapping[str, Any]) -> None:
        rename = payload.get("name")
        if isinstance(rename, Mapping) and isinstance(rename.get("to"), str):
            self.banks[rename["to"]] = bank
        else:
            self.banks[bank] = self.banks.get(bank)

    def _added(self, bank: str, payload: Mapping[str, Any]) -> None:
        listed = [s.get("id") for s in payload.get("signals", ()) if isinstance(s, Mapping)]
        ids = [i for i in listed if isinstance(i, str) and i]
        if len(ids) < int(payload.get("count", 0)) or len(ids) < len(listed):
            self.reread.add(bank)  # the ledger commits to the rest by digest only
        else:
            self.entries.update(ids)

    def _restated(self, bank: str, payload: Mapping[str, Any]) -> None:
        public_id = payload.get("id")
        if isinstance(public_id, str) and public_id:
            self.entries.add(public_id)
        else:
            self.reread.add(bank)

    def _removed(self, bank: str, payload: Mapping[str, Any]) -> None:
        kind, value = payload.get("type"), payload.get("value")
        if isinstance(kind, str) and isinstance(value, str):
            self.removed.add((bank, kind, value))
        else:
            self.rebuild = True


def apply(runtime: Runtime, changes: Changes, *, rebuild: Callable[[], object]) -> None:
    """Bring the running engine to the store's state for everything `changes` names;
    `rebuild` replaces the engine with one built from the store."""
    if changes.rebuild:
        rebuild()  # reads everything afresh: nothing else is left to do
        return
    for name, renamed_from in changes.banks.items():
        try:
            settings = runtime.store.get_bank(name)
        except NotFoundError:
            continue  # renamed again or deleted later: that entry is in this page or the next
        runtime.set_bank(settings, renamed_from=renamed_from)
    for bank, signal_type, value in sorted(changes.removed):
        _forget_removed(runtime, bank, Signal(signal_type, value))
    for name in sorted(changes.reread):
        if not _reread_bank(runtime, name):
            rebuild()  # the bank went under another name: nothing names its entries
            return
    _read_back(runtime, changes.entries)
    if changes.rules:
        runtime.reconfigure()


def _read_back(runtime: Runtime, public_ids: Iterable[str]) -> None:
    store = runtime.store
    refs = store.entry_ids(sorted(public_ids))  # removed ones are absent: see their removal
    for chunk in _chunks(sorted(refs.values())):
        runtime.refresh(store.get_entries_by_id(chunk))


def _reread_bank(runtime: Runtime, name: str) -> bool:
    """Refresh every indexable entry of a bank; False if there is no such bank."""
    store = runtime.store
    try:
        store.get_bank(name)
    except NotFoundError:
        return False
    types = default_registry().names()
    rows = [
        *store.iter_index_rows(types, banks=[name]),
        *store.iter_suspended_rows(types, banks=[name]),
    ]
    for start in range(0, len(rows), BATCH):
        held = {ref: BankEntry(name, Signal(t, v), "") for ref, t, v in rows[start : start + BATCH]}
        # Only ids and signals matter to the indexes; a hit reads the entry from the store.
        runtime.refresh(held)
    return True


def _forget_removed(runtime: Runtime, bank: str, signal: Signal) -> None:
    """Take out the ids the indexes hold for a removed signal that the store no longer backs
    with it (SQLite may give a removed entry's id to the next one added)."""
    held = runtime.inspect(lambda engine: _held(engine, signal))
    if not held:
        return
    current = runtime.store.get_entries_by_id(held)
    stale = sorted(ref for ref in held if ref not in current or current[ref].signal != signal)
    if not stale:
        return
    runtime.forget({ref: BankEntry(bank, signal, "") for ref in stale})
    reused = {ref: current[ref] for ref in stale if ref in current}
    if reused:
        runtime.refresh(reused)  # the id's new entry, in case forgetting took it out too


def _held(engine: Engine, signal: Signal) -> set[int]:
    """Ids the running engine's indexes hold for exactly this signal."""
    kind, value = signal.signal_type, signal.value
    matcher = engine.bank_matcher
    if kind in matcher.signal_type_names:
        return set(matcher.index.lookup(kind, value))
    tier = engine.deferred
    if tier is None:
        return set()
    if kind == "pdq":
        return {m.ref for m in tier.perceptual.index.query(value, _EXACT_MATCH_PDQ)}
    if kind == "minhash" and tier.neartext is not None:
        return {m.ref for m in tier.neartext.index.query(value, _EXACT_MATCH_MINHASH)}
    return set()


def _chunks(items: list[int]) -> Iterator[list[int]]:
    it = iter(items)
    while chunk := list(islice(it, BATCH)):
        yield chunk
