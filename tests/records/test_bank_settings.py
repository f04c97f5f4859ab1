"""Bank settings, entry look-ups and suspended entries in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ombuds.domain import Bank, BankEntry, Policy, Signal
from ombuds.domain.scope import Scope
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store
from ombuds.records.ledger import Kind, LedgerQuery

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _bank(store: Store, name: str = "files") -> None:
    store.create_bank(Bank(name, "malware"), actor="test")


def test_update_bank_changes_settings_all_or_nothing(store: Store) -> None:
    _bank(store)
    changed = store.update_bank(
        "files", {"category": "spam", "description": "d", "threshold": 9}, actor="test"
    )
    assert changed == Bank("files", "spam", "d", 9)
    assert store.get_bank("files") == changed
    assert store.update_bank("files", {"threshold": None}, actor="t").threshold is None
    store.update_bank("files", {"threshold": None}, actor="t")  # no change: nothing to ledger
    logged = store.ledger_entries(LedgerQuery(kind=Kind.BANK_UPDATE, subject="files"))
    assert [(e.actor, e.payload) for e in logged] == [
        (
            "test",
            {
                "category": {"from": "malware", "to": "spam"},
                "description": {"from": "", "to": "d"},
                "threshold": {"from": None, "to": 9},
            },
        ),
        ("t", {"threshold": {"from": 9, "to": None}}),
    ]
    with pytest.raises(InputError) as bad:
        store.update_bank("files", {"category": "x", "colour": "red"}, actor="test")
    assert bad.value.field == "colour"
    assert store.get_bank("files").category == "spam"
    with pytest.raises(NotFoundError):
        store.update_bank("nope", {"category": "x"}, actor="test")


def test_rename_moves_entries_and_is_refused_while_a_policy_names_the_bank(store: Store) -> None:
    _bank(store)
    _bank(store, "taken")
    store.add_entries([BankEntry("files", Signal("md5", "ab" * 16), "malware")], actor="t")
    with pytest.raises(ConflictError) as taken:
        store.update_bank("files", {"name": "taken"}, actor="test")
    assert taken.value.field == "name"
    renamed = store.update_bank("files", {"name": "known"}, actor="test")
    assert renamed.name == "known" and store.count_entries("known") == 1
    assert store.list_entries("known")[0].bank == "known"
    policy = Policy("eu", Scope.parse('region == "EU"'), banks=("known",))
    store.save_policy(policy, actor="test")
    with pytest.raises(ConflictError, match="used by policies"):
        store.update_bank("known", {"name": "other", "category": "x"}, actor="test")
    assert store.get_bank("known").category == "malware"  # the rest of it did not happen


def test_entries_are_found_with_their_store_ids(store: Store) -> None:
    _bank(store)
    (entry,) = store.add_entries(
        [BankEntry("files", Signal("md5", "ab" * 16), "malware")], actor="test"
    )
    ref = store.entry_ids([entry.public_id])[entry.public_id]
    assert store.locate_entry(entry.public_id) == (ref, entry)
    assert store.find_entry("files", "md5", "ab" * 16) == (ref, entry)
    with pytest.raises(NotFoundError) as missing:
        store.find_entry("files", "md5", "cd" * 16)
    assert missing.value.field == "signal"
    with pytest.raises(NotFoundError):
        store.locate_entry("be_nope")


def test_suspended_rows_are_the_entries_disabled_until_a_later_time(store: Store) -> None:
    _bank(store)
    _bank(store, "other")
    later, earlier = NOW + timedelta(hours=1), NOW - timedelta(hours=1)
    cases = {
        "aa": {"enabled": False, "disabled_until": later},  # suspended
        "bb": {"enabled": True, "disabled_until": later},  # suspended too: not active yet
        "cc": {"enabled": False, "disabled_until": earlier},  # active again
        "dd": {"enabled": False},  # off for good
        "ee": {"disabled_until": later, "expires_at": earlier},  # expired
    }
    entries = [
        BankEntry("files", Signal("md5", key * 16), "malware", **state)  # type: ignore[arg-type]
        for key, state in cases.items()
    ]
    entries.append(BankEntry("other", Signal("md5", "ff" * 16), "x", disabled_until=later))
    store.add_entries(entries, actor="test")
    rows = list(store.iter_suspended_rows(["md5"], now=NOW))
    assert sorted(value[:2] for _, _, value in rows) == ["aa", "bb", "ff"]
    only = list(store.iter_suspended_rows(["md5"], banks=["files"], now=NOW))
    assert sorted(value[:2] for _, _, value in only) == ["aa", "bb"]
    active = {value[:2] for _, _, value in store.iter_index_rows(["md5"], now=NOW)}
    assert active == {"cc"}
    assert list(store.iter_suspended_rows(["sha256"], now=NOW)) == []
