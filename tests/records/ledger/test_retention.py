"""Retention moves the clock forward: old decisions lose their personal ids, in resumable
batches, each ledgered, and the ledger still verifies afterwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from ombuds.domain import Action, Outcome
from ombuds.errors import ConflictError
from ombuds.records import Store
from ombuds.records.ledger import Kind
from ombuds.records.ledger.retention import PurgeBatch

from .conftest import T0, MakeDecision

RETENTION = timedelta(days=180)
DAY = timedelta(days=1)


def record(store: Store, make_decision: MakeDecision, days: range) -> None:
    """One decision a day: decision n was made n days after T0."""
    store.record_decisions([make_decision(n, at=T0 + n * DAY) for n in days])


def purge_entries(store: Store) -> list[dict[str, object]]:
    return [e.payload for e in store.ledger_entries() if e.kind == Kind.PURGE]


def test_moving_the_clock_purges_exactly_the_old_decisions(
    store: Store, make_decision: MakeDecision
) -> None:
    record(store, make_decision, range(10))
    now = T0 + RETENTION + 4 * DAY + timedelta(hours=1)  # decisions 0..4 are due
    assert store.purge_due(RETENTION, now=now) == 5
    assert store.purge(RETENTION, actor="system:purge", now=now, batch_size=2) == 5
    for n in range(10):
        d = store.get_decision(f"d{n:06d}")
        assert d.notice is not None
        if n <= 4:
            assert (d.author_id, d.conversation_id, d.notice.author_id) == ("", "", "")
            assert [(e.matched_text, e.spans, e.boxes) for e in d.evidence] == [((), (), ())]
            # What was decided, on what grounds, stays.
            assert (d.action, d.policy, d.evidence[0].rule_id) == (Action.BLOCK, "eu", "r1")
        else:
            assert (d.author_id, d.conversation_id) == (f"user-{n % 7}", f"room-{n % 3}")
            assert d.evidence[0].matched_text == ("zorbcoin",)
    entries = [e for e in store.ledger_entries() if e.kind == Kind.PURGE]
    assert [e.payload["count"] for e in entries] == [2, 2, 1]
    assert {e.actor for e in entries} == {"system:purge"}
    assert len({e.payload["run"] for e in entries}) == 1
    result = store.verify_ledger()
    assert result.ok, result.problem
    assert result.decisions_checked == 10  # 5 unpurged rows + the 5 purged ones


def test_purging_again_does_nothing(store: Store, make_decision: MakeDecision) -> None:
    record(store, make_decision, range(4))
    now = T0 + RETENTION + 10 * DAY
    assert store.purge(RETENTION, actor="system:purge", now=now) == 4
    before = store.ledger_entries()
    assert store.purge_due(RETENTION, now=now) == 0
    assert store.purge(RETENTION, actor="system:purge", now=now) == 0
    assert store.ledger_entries() == before
    assert store.verify_ledger().ok


def test_nothing_is_purged_before_its_time(store: Store, make_decision: MakeDecision) -> None:
    record(store, make_decision, range(3))
    hour = timedelta(hours=1)
    assert store.purge(RETENTION, actor="system:purge", now=T0 + RETENTION) == 0  # d0 is due after
    assert store.purge(RETENTION, actor="system:purge", now=T0 + RETENTION + hour) == 1
    assert store.get_decision("d000001").author_id == "user-1"


class Interrupted(Exception):
    pass


def test_an_interrupted_purge_resumes_without_loss_or_double_purge(
    store: Store, make_decision: MakeDecision
) -> None:
    record(store, make_decision, range(9))
    now = T0 + RETENTION + 30 * DAY
    seen: list[PurgeBatch] = []

    def stop_after_two(done: PurgeBatch) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        store.purge(RETENTION, actor="system:purge", now=now, batch_size=3, on_batch=stop_after_two)
    assert store.purge_due(RETENTION, now=now) == 3
    assert store.verify_ledger().ok  # a stopped purge leaves a consistent ledger
    assert store.purge(RETENTION, actor="system:purge", now=now, batch_size=3) == 3
    counts = [p["count"] for p in purge_entries(store)]
    assert counts == [3, 3, 3]
    with store.engine.connect() as conn:
        batches = conn.execute(
            text("SELECT purge_batch, COUNT(*) FROM decisions GROUP BY purge_batch")
        ).all()
    assert sorted(n for _, n in batches) == [3, 3, 3]
    assert {b for b, _ in batches} == {p["batch"] for p in purge_entries(store)}
    assert store.verify_ledger().ok


def test_a_purge_dying_inside_a_batch_leaves_the_batch_whole(
    store: Store, make_decision: MakeDecision, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(store, make_decision, range(4))
    now = T0 + RETENTION + 30 * DAY

    def die(*_args: object, **_kwargs: object) -> None:
        raise Interrupted  # as if the process died after the batch's UPDATEs

    with monkeypatch.context() as patch:
        patch.setattr("ombuds.records.ledger.retention.append", die)
        with pytest.raises(Interrupted):
            store.purge(RETENTION, actor="system:purge", now=now, batch_size=10)
    assert store.get_decision("d000001").author_id == "user-1"  # rolled back with the append
    assert purge_entries(store) == []
    assert store.purge(RETENTION, actor="system:purge", now=now) == 4
    assert store.verify_ledger().ok


def test_a_tampered_decision_is_not_laundered_by_a_purge(
    store: Store, make_decision: MakeDecision
) -> None:
    record(store, make_decision, range(3))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET action = 'allow' WHERE decision_id = 'd000001'"))
    with pytest.raises(ConflictError, match="d000001"):
        store.purge(RETENTION, actor="system:purge", now=T0 + RETENTION + 30 * DAY)
    assert store.get_decision("d000000").author_id == "user-0"  # the batch rolled back
    assert store.verify_ledger().bad_seq == 1


def test_editing_a_purged_decision_names_its_purge_entry(
    store: Store, make_decision: MakeDecision
) -> None:
    record(store, make_decision, range(3))
    store.purge(RETENTION, actor="system:purge", now=T0 + RETENTION + 30 * DAY)
    (purge,) = [e for e in store.ledger_entries() if e.kind == Kind.PURGE]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET action = 'allow' WHERE decision_id = 'd000002'"))
    result = store.verify_ledger()
    assert (result.bad_seq, result.problem) == (
        purge.seq,
        "a purged decision was altered after the purge",
    )


def test_a_batch_size_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        store.purge(RETENTION, actor="system:purge", now=T0, batch_size=0)


def test_batches_go_on_from_where_the_last_ended_ties_and_waiting_rows_included(
    store: Store, make_decision: MakeDecision
) -> None:
    """Each batch starts after the last row the run claimed (created_at, then id), so rows
    sharing a time across a batch boundary are neither skipped nor purged twice, and a row
    waiting for its open case is passed over now and purged by a later run."""
    same_time = [make_decision(n, at=T0) for n in range(5)]
    waiting = make_decision(5, at=T0 + DAY, restricted=False)
    later = [make_decision(n, at=T0 + 2 * DAY) for n in range(6, 9)]
    store.record_decisions([*same_time, replace(waiting, action=Action.REVIEW), *later])
    now = T0 + RETENTION + 3 * DAY
    assert store.purge(RETENTION, actor="system:purge", now=now, batch_size=2) == 8
    assert [p["count"] for p in purge_entries(store)] == [2, 2, 2, 2]
    assert store.get_decision("d000005").author_id != ""  # its review case is open
    (case,) = store.list_cases()
    store.decide_case(case.case_id, Outcome.REJECT, by="alice", reason="fine", actor="cli:a")
    assert store.purge(RETENTION, actor="system:purge", now=now, batch_size=2) == 1
    assert all(store.get_decision(f"d{n:06d}").author_id == "" for n in range(9))
    assert store.verify_ledger().ok
