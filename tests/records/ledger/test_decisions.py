"""Decisions are ledgered a batch at a time: one entry commits to every decision's digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone

import pytest
from sqlalchemy import text

from ombuds.errors import ConflictError
from ombuds.records import Store
from ombuds.records.ledger import Kind
from ombuds.records.ledger.chain import decision_digest, root
from ombuds.records.repos.decision_records import (
    DECISION_FIELDS,
    NOTICE_FIELDS,
    decision_record,
)
from ombuds.records.schema import DecisionRow, NoticeRow

from .conftest import MakeDecision


def test_the_digest_covers_every_recorded_value(make_decision: MakeDecision) -> None:
    decision, notice = decision_record(make_decision(1))
    assert (len(decision), len(notice)) == (len(DECISION_FIELDS), len(NOTICE_FIELDS))
    # Every column is digested, but the ledger's own (the digest, and which batches
    # recorded and purged the row).
    ledger_own = {"digest", "ledger_batch", "purge_batch"}
    assert set(DecisionRow.__table__.c.keys()) - set(DECISION_FIELDS) == ledger_own
    assert set(NoticeRow.__table__.c.keys()) == set(NOTICE_FIELDS)


def test_one_entry_per_batch_with_counts_and_a_root(
    store: Store, make_decision: MakeDecision
) -> None:
    batch = [make_decision(n, restricted=n % 2 == 0) for n in range(7)]
    store.record_decisions(batch)
    store.record_decisions([make_decision(100)], actor="api:platform-key")
    first, second = store.ledger_entries()
    assert (first.kind, first.actor, second.actor) == (Kind.DECISIONS, "engine", "api:platform-key")
    assert first.payload["count"] == 7
    assert first.payload["notices"] == 4
    assert first.payload["actions"] == {"allow": 3, "block": 4}
    assert first.subject == first.payload["batch"]
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT decision_id, digest FROM decisions WHERE ledger_batch = :b "
                "ORDER BY decision_id"
            ),
            {"b": first.payload["batch"]},
        ).all()
    assert len(rows) == 7
    assert root([digest for _, digest in rows]) == first.payload["root"]
    d0 = batch[0]
    assert d0.notice is not None
    expected = decision_digest(*decision_record(d0))
    assert dict(rows)["d000000"] == expected
    assert store.verify_ledger().decisions_checked == 8


def test_a_rejected_batch_ledgers_nothing(store: Store, make_decision: MakeDecision) -> None:
    store.record_decisions([make_decision(1)])
    with pytest.raises(ConflictError):
        store.record_decisions([make_decision(2), make_decision(1)])
    assert [e.payload["count"] for e in store.ledger_entries()] == [1]
    assert store.count_decisions() == 1
    store.record_decisions([])
    assert len(store.ledger_entries()) == 1


def test_times_in_any_zone_verify(store: Store, make_decision: MakeDecision) -> None:
    plus_two = timezone(timedelta(hours=2))
    d = make_decision(1)
    assert d.notice is not None
    local = replace(
        d,
        created_at=d.created_at.astimezone(plus_two),
        notice=replace(d.notice, created_at=d.notice.created_at.astimezone(plus_two)),
    )
    store.record_decisions([local])
    assert store.verify_ledger().decisions_checked == 1
    assert store.verify_ledger().ok
