"""Verification names the first entry that cannot be trusted, whatever was tampered with."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.records import Store
from ombuds.records.schema import Base

from .conftest import MakeDecision, _decision

FIELDS = ("kind", "actor", "subject", "payload", "digest", "prev_digest", "created_at")


def sql(store: Store, statement: str, **params: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def history(store: Store, make_decision: MakeDecision | Callable[..., Any]) -> None:
    """Eight entries of several kinds, two of them decision batches."""
    store.create_bank(Bank("B", "spam"), actor="cli:alice")
    store.add_entries(
        [BankEntry("B", Signal("md5", f"{n:032x}"), "spam", reason="seen") for n in range(3)],
        actor="api:admin-key",
        origin="api",
    )
    store.record_decisions([make_decision(n) for n in range(5)])
    store.ledger_append("test", actor="system:test", subject="s", payload={"k": [1, 2]})
    store.record_decisions([make_decision(n, restricted=False) for n in range(5, 9)])
    store.remove_entry("B", "md5", f"{0:032x}", actor="cli:alice", reason="mistake")
    store.ledger_append("test", actor="system:test")
    store.ledger_append("test", actor="system:test")


def test_an_untouched_ledger_verifies(store: Store, make_decision: MakeDecision) -> None:
    assert store.verify_ledger().as_dict() == {
        "ok": True,
        "checked": 0,
        "head_seq": 0,
        "head_digest": "0" * 64,
        "decisions_checked": 0,
        "bad_seq": None,
        "problem": "",
    }
    history(store, make_decision)
    result = store.verify_ledger()
    assert (result.ok, result.checked, result.head_seq, result.decisions_checked) == (
        True,
        8,
        8,
        9,
    )
    assert result.head_digest == store.ledger_entries()[-1].digest
    assert store.verify_ledger(decisions=False).decisions_checked == 0


def _tamper(field: str, seq: int) -> tuple[str, dict[str, Any]]:
    values: dict[str, Any] = {
        "kind": "bank.create",
        "actor": "cli:mallory",
        "subject": "other",
        "payload": json.dumps({"count": 999}),
        "digest": "f" * 64,
        "prev_digest": "e" * 64,
    }
    if field == "created_at":
        return "UPDATE ledger_entries SET created_at = created_at - :d WHERE seq = :seq", {
            "seq": seq
        }
    return f"UPDATE ledger_entries SET {field} = :v WHERE seq = :seq", {"v": values[field]}


@pytest.mark.parametrize("field", ["kind", "actor", "subject", "payload", "digest", "prev_digest"])
def test_editing_any_field_is_found_at_that_entry(
    store: Store, make_decision: MakeDecision, field: str
) -> None:
    history(store, make_decision)
    statement, params = _tamper(field, 4)
    sql(store, statement, seq=4, **params)
    result = store.verify_ledger()
    assert (result.ok, result.bad_seq, result.checked, result.head_seq) == (False, 4, 3, 3)


def test_editing_a_time_is_found(store: Store, make_decision: MakeDecision) -> None:
    history(store, make_decision)
    with store.engine.begin() as conn:
        row = conn.execute(text("SELECT created_at FROM ledger_entries WHERE seq = 6")).one()
        conn.execute(text("UPDATE ledger_entries SET created_at = :t WHERE seq = 2"), {"t": row[0]})
    assert store.verify_ledger().bad_seq == 2


def test_a_deleted_entry_is_named(store: Store, make_decision: MakeDecision) -> None:
    history(store, make_decision)
    sql(store, "DELETE FROM ledger_entries WHERE seq = 5")
    result = store.verify_ledger()
    assert result.bad_seq == 5
    assert "missing" in result.problem


def test_deleting_the_newest_entries_is_found_through_the_head(
    store: Store, make_decision: MakeDecision
) -> None:
    history(store, make_decision)
    sql(store, "DELETE FROM ledger_entries WHERE seq >= 7")
    result = store.verify_ledger()
    assert (result.bad_seq, result.checked) == (7, 6)
    assert "missing" in result.problem


def test_an_entry_added_by_hand_past_the_head_is_found(
    store: Store, make_decision: MakeDecision
) -> None:
    history(store, make_decision)
    last = store.ledger_entries()[-1]
    sql(
        store,
        "INSERT INTO ledger_entries (seq, kind, actor, subject, payload, created_at, "
        "prev_digest, digest) SELECT 9, kind, actor, subject, payload, created_at, :prev, "
        "digest FROM ledger_entries WHERE seq = 8",
        prev=last.digest,
    )
    assert store.verify_ledger().bad_seq == 9


def test_rewriting_the_tail_without_the_head_is_found(
    store: Store, make_decision: MakeDecision
) -> None:
    history(store, make_decision)
    sql(store, "UPDATE ledger_head SET digest = :d", d="a" * 64)
    result = store.verify_ledger()
    assert (result.bad_seq, result.problem) == (8, "the head's digest does not match this entry's")


def test_an_edited_decision_names_its_batch_entry(
    store: Store, make_decision: MakeDecision
) -> None:
    history(store, make_decision)
    batch = store.ledger_entries()[2]
    assert batch.kind == "decisions"
    sql(store, "UPDATE decisions SET action = 'allow' WHERE decision_id = 'd000003'")
    result = store.verify_ledger()
    assert (result.bad_seq, result.problem) == (
        batch.seq,
        "decision d000003 was altered after it was recorded",
    )
    assert store.verify_ledger(decisions=False).ok


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("DELETE FROM decisions WHERE decision_id = 'd000002'", "has 4 decisions"),
        ("UPDATE notices SET ground = 'other' WHERE decision_id = 'd000002'", "altered"),
        ("UPDATE decisions SET digest = :d WHERE decision_id = 'd000002'", "stored digest"),
        ("UPDATE decisions SET ledger_batch = 'x' WHERE decision_id = 'd000002'", "has 4"),
    ],
)
def test_decision_rows_are_rechecked(
    store: Store, make_decision: MakeDecision, statement: str, problem: str
) -> None:
    history(store, make_decision)
    sql(store, statement, d="0" * 64)
    result = store.verify_ledger()
    assert result.bad_seq == 3
    assert problem in result.problem


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def chain(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One ledger with a history, shared by every example (each restores what it tampers)."""
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('chain') / 'ombuds.db'}")
    else:
        store = request.getfixturevalue("_pg_store")
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        sql(store, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    history(store, _decision)
    yield store
    if request.param == "sqlite":
        store.close()


@settings(max_examples=40, deadline=None)
@given(
    seq=st.integers(min_value=1, max_value=8),
    field=st.sampled_from(["kind", "actor", "subject", "payload", "digest"]),
    value=st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t),
)
def test_any_single_row_tamper_is_found_at_that_seq(
    chain: Store, seq: int, field: str, value: str
) -> None:
    original = getattr(chain.ledger_entries()[seq - 1], field)
    new: Any = {"tampered": value} if field == "payload" else value
    if new == original:
        return
    update = f"UPDATE ledger_entries SET {field} = :v WHERE seq = :s"
    sql(chain, update, v=json.dumps(new) if field == "payload" else new, s=seq)
    try:
        result = chain.verify_ledger()
        assert (result.ok, result.bad_seq) == (False, seq)
    finally:
        sql(chain, update, v=json.dumps(original) if field == "payload" else original, s=seq)
    assert chain.verify_ledger().ok
