"""Canonical JSON, entry digests and appends: the chain links each entry to the one before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from ombuds.records import Store
from ombuds.records.ledger import GENESIS, Kind, Record, append, append_many, canonical
from ombuds.records.ledger.chain import entry_digest, root

WHEN = datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC)


def test_canonical_json_is_sorted_compact_utf8_and_utc() -> None:
    plus_two = WHEN.astimezone(timezone(timedelta(hours=2)))
    value = {"b": [1, "é"], "a": {"z": None, "y": plus_two}}
    assert canonical(value) == (
        '{"a":{"y":"2026-03-01T09:30:00.000005+00:00","z":null},"b":[1,"é"]}'.encode()
    )
    assert canonical(value) == canonical({"a": {"y": WHEN, "z": None}, "b": [1, "é"]})


@pytest.mark.parametrize("bad", [float("nan"), object(), b"bytes"])
def test_values_without_a_canonical_form_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical({"x": bad})


def test_the_digest_covers_every_field_and_the_link() -> None:
    fields: dict[str, object] = {
        "seq": 3,
        "kind": "bank.add",
        "actor": "cli:alice",
        "subject": "B",
        "payload": {"count": 1},
        "created_at": WHEN,
        "prev_digest": GENESIS,
    }
    base = entry_digest(**fields)  # type: ignore[arg-type]
    changes = {
        "seq": 4,
        "kind": "bank.remove",
        "actor": "cli:bob",
        "subject": "C",
        "payload": {"count": 2},
        "created_at": WHEN + timedelta(microseconds=1),
        "prev_digest": "1" * 64,
    }
    for name, other in changes.items():
        assert entry_digest(**{**fields, name: other}) != base, name  # type: ignore[arg-type]


def test_root_depends_on_every_digest_and_their_order() -> None:
    a, b = "aa" * 32, "bb" * 32
    assert root([a, b]) != root([b, a])
    assert root([a]) != root([a, a])
    assert len(root([])) == 64


def test_appends_number_and_chain_entries(store: Store) -> None:
    with Session(store.engine) as s, s.begin():
        first = append(s, "test", actor="system:test", subject="x", payload={"n": 1}, now=WHEN)
        more = append_many(
            s, [Record("test", "system:test", "y"), Record("test", "cli:bob", "z", {"n": 3})]
        )
    assert [first.seq, *(e.seq for e in more)] == [1, 2, 3]
    assert first.prev_digest == GENESIS
    assert more[0].prev_digest == first.digest
    assert more[1].prev_digest == more[0].digest
    assert [e.seq for e in store.ledger_entries()] == [1, 2, 3]
    assert store.ledger_entries()[0] == first
    assert store.verify_ledger().ok


def test_payloads_are_stored_as_plain_json(store: Store) -> None:
    entry = store.ledger_append(
        "test", actor="system:test", payload={"when": WHEN, "pair": (1, 2)}, now=WHEN
    )
    assert entry.payload == {"when": "2026-03-01T09:30:00.000005+00:00", "pair": [1, 2]}
    assert store.ledger_entries() == [entry]


@pytest.mark.parametrize("actor", ["", "   "])
def test_an_entry_needs_an_actor(store: Store, actor: str) -> None:
    with pytest.raises(ValueError, match="actor"):
        store.ledger_append(Kind.KEY_USE, actor=actor)
    assert store.ledger_entries() == []


def _change_that_fails(store: Store) -> None:
    with Session(store.engine) as s, s.begin():
        append(s, "test", actor="system:test")
        raise ValueError("the change fails after its entry was appended")


def test_a_failed_change_ledgers_nothing(store: Store) -> None:
    with pytest.raises(ValueError, match="fails after"):
        _change_that_fails(store)
    assert store.ledger_entries() == []
    assert store.ledger_append("test", actor="system:test").seq == 1


def test_the_head_is_rebuilt_from_the_entries_if_it_is_gone(store: Store) -> None:
    store.ledger_append("test", actor="system:test")
    second = store.ledger_append("test", actor="system:test")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ledger_head")
    third = store.ledger_append("test", actor="system:test")
    assert (third.seq, third.prev_digest) == (3, second.digest)
    assert store.verify_ledger().ok
