"""Banks and bank entries in the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ombuds.domain import Bank, BankEntry, Policy, Signal
from ombuds.domain.scope import Scope
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def md5(n: int) -> Signal:
    return Signal("md5", f"{n:032x}")


def entry(n: int, bank: str = "B", **kw: object) -> BankEntry:
    return BankEntry(bank=bank, signal=md5(n), category="spam", **kw)  # type: ignore[arg-type]


@pytest.fixture
def bank(store: Store) -> Bank:
    b = Bank("B", "spam", "a bank", threshold=12)
    store.create_bank(b, actor="test")
    return b


def test_bank_lifecycle(store: Store, bank: Bank) -> None:
    assert store.get_bank("B") == bank
    with pytest.raises(ConflictError):
        store.create_bank(Bank("B", "other"), actor="test")
    store.create_bank(Bank("A", "csam"), actor="test")
    store.add_entries([entry(1), entry(2)], actor="test")
    assert store.list_banks() == [(Bank("A", "csam"), 0), (bank, 2)]
    store.delete_bank("B", actor="test")
    with pytest.raises(NotFoundError):
        store.get_bank("B")
    with pytest.raises(NotFoundError):
        store.delete_bank("B", actor="test")
    assert store.get_entries_by_id(range(1, 100)) == {}


def test_add_entries_assigns_public_ids_and_keeps_everything(store: Store, bank: Bank) -> None:
    local = timezone(timedelta(hours=5, minutes=30))
    full = BankEntry(
        bank="B",
        signal=md5(7),
        category="scam",
        provenance="partner-x",
        author="alice",
        reason="reported twice",
        expires_at=datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=local),
        enabled=False,
        disabled_until=datetime(2027, 1, 1, tzinfo=UTC),
        tags=("a", "b"),
    )
    [added] = store.add_entries([full], actor="test")
    assert added.public_id.startswith("be_")
    assert len(added.public_id) > 10
    [stored] = store.list_entries("B")
    assert stored == added == replace(full, public_id=added.public_id)
    assert stored.expires_at is not None
    assert stored.expires_at.tzinfo is UTC
    assert store.get_entry(added.public_id) == stored
    with pytest.raises(NotFoundError):
        store.get_entry("be_nope")


def test_duplicates_conflict_atomically_unless_skipped(store: Store, bank: Bank) -> None:
    store.add_entries([entry(1)], actor="test")
    with pytest.raises(ConflictError):
        store.add_entries([entry(2), entry(1)], actor="test")
    with pytest.raises(ConflictError):
        store.add_entries([entry(3), entry(3)], actor="test")
    assert [e.signal for e in store.list_entries("B")] == [md5(1)]
    added = store.add_entries([entry(2), entry(1), entry(2)], skip_duplicates=True, actor="test")
    assert [e.signal for e in added] == [md5(2)]
    assert store.count_entries("B") == 2


def test_same_signal_in_two_banks_is_fine(store: Store, bank: Bank) -> None:
    store.create_bank(Bank("C", "spam"), actor="test")
    store.add_entries([entry(1), entry(1, bank="C")], actor="test")
    assert [n for _, n in store.list_banks()] == [1, 1]


def test_unknown_bank_and_bad_tags_write_nothing(store: Store, bank: Bank) -> None:
    with pytest.raises(NotFoundError):
        store.add_entries([entry(1), entry(2, bank="nope")], actor="test")
    with pytest.raises(InputError) as info:
        store.add_entries([entry(1), entry(2, tags=("two words",))], actor="test")
    assert info.value.field == "tags"
    assert store.count_entries("B") == 0


def test_remove_entry(store: Store, bank: Bank) -> None:
    store.add_entries([entry(1), entry(2)], actor="test")
    store.remove_entry("B", "md5", md5(1).value, actor="test")
    assert [e.signal for e in store.list_entries("B")] == [md5(2)]
    with pytest.raises(NotFoundError):
        store.remove_entry("B", "md5", md5(1).value, actor="test")
    with pytest.raises(NotFoundError):
        store.remove_entry("nope", "md5", md5(2).value, actor="test")


def test_list_entries_pages_in_insertion_order(store: Store, bank: Bank) -> None:
    store.add_entries([entry(n) for n in range(10)], actor="test")
    page = store.list_entries("B", offset=3, limit=4)
    assert [e.signal for e in page] == [md5(n) for n in range(3, 7)]
    assert [e.signal for e in store.iter_entries("B", batch=3)] == [md5(n) for n in range(10)]


def test_index_rows_hold_exactly_the_active_entries(store: Store, bank: Bank) -> None:
    hour = timedelta(hours=1)
    cases = {
        1: {},
        2: {"expires_at": NOW - hour},
        3: {"expires_at": NOW + hour},
        4: {"enabled": False},
        5: {"enabled": False, "disabled_until": NOW - hour},  # suspension over
        6: {"enabled": False, "disabled_until": NOW + hour},
        7: {"enabled": True, "disabled_until": NOW + hour},
    }
    entries = [entry(n, **kw) for n, kw in cases.items()]
    entries.append(BankEntry("B", Signal("sha256", "a" * 64), "spam"))
    store.add_entries(entries, actor="test")
    rows = list(store.iter_index_rows(["md5"], batch=2, now=NOW))
    active = {n for n in cases if entry(n, **cases[n]).active(NOW)}
    assert (
        {value for _, _, value in rows}
        == {md5(n).value for n in active}
        == {md5(n).value for n in (1, 3, 5)}
    )
    assert all(isinstance(row, tuple) and t == "md5" for row in rows for t in [row[1]])
    by_id = store.get_entries_by_id([entry_id for entry_id, _, _ in rows])
    assert {e.signal.value for e in by_id.values()} == {value for _, _, value in rows}
    assert len(list(store.iter_index_rows(["md5", "sha256"], now=NOW))) == 4
    assert list(store.iter_index_rows(["md5"], banks=["other"], now=NOW)) == []


def test_naive_datetimes_are_refused(store: Store, bank: Bank) -> None:
    with pytest.raises(InputError, match="naive datetime"):
        store.add_entries([entry(1, expires_at=datetime(2030, 1, 1))], actor="test")
    assert store.count_entries("B") == 0


def test_a_bank_in_use_by_a_policy_cannot_be_deleted(store: Store, bank: Bank) -> None:
    store.save_policy(Policy("P", Scope.parse("true"), banks=("B",)), actor="test")
    with pytest.raises(ConflictError) as info:
        store.delete_bank("B", actor="test")
    assert info.value.field == "banks"
    store.delete_policy("P", actor="test")
    store.delete_bank("B", actor="test")


def test_get_entries_by_id_handles_many_ids(store: Store, bank: Bank) -> None:
    store.add_entries([entry(n) for n in range(2500)], actor="test")
    ids = [entry_id for entry_id, _, _ in store.iter_index_rows(["md5"])]
    assert len(store.get_entries_by_id(ids)) == 2500
