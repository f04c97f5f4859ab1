"""Reading the ledger: filters combine, pages follow seq, bad queries name their field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ombuds.errors import InputError
from ombuds.records import Store
from ombuds.records.ledger import LedgerQuery

T = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def filled(store: Store) -> Store:
    for n in range(12):
        store.ledger_append(
            "bank.add" if n % 3 else "policy.save",
            actor=f"cli:user{n % 2}",
            subject=f"s{n % 4}",
            payload={"n": n},
            now=T + timedelta(hours=n),
        )
    return store


def ns(store: Store, **filters: object) -> list[int]:
    return [e.payload["n"] for e in store.ledger_entries(LedgerQuery(**filters))]  # type: ignore[arg-type]


def test_filters_combine(filled: Store) -> None:
    assert ns(filled, kind="policy.save") == [0, 3, 6, 9]
    assert ns(filled, actor="cli:user1") == [1, 3, 5, 7, 9, 11]
    assert ns(filled, kind="policy.save", actor="cli:user1") == [3, 9]
    assert ns(filled, subject="s2") == [2, 6, 10]
    assert ns(filled, since=T + timedelta(hours=9)) == [9, 10, 11]
    assert ns(filled, until=T + timedelta(hours=2)) == [0, 1]
    assert ns(filled, kind="nothing") == []


def test_pages_follow_seq(filled: Store) -> None:
    first = filled.ledger_entries(LedgerQuery(limit=5))
    second = filled.ledger_entries(LedgerQuery(after=first[-1].seq, limit=5))
    assert [e.seq for e in first + second] == list(range(1, 11))
    assert ns(filled, actor="cli:user0", after=5, limit=2) == [6, 8]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"after": -1}, "after"),
        ({"since": datetime(2026, 1, 1)}, "since"),
        ({"kind": "a\x00b"}, "kind"),
    ],
)
def test_bad_queries_name_the_field(store: Store, filters: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        store.ledger_entries(LedgerQuery(**filters))  # type: ignore[arg-type]
    assert info.value.field == field
