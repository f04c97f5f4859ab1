"""Retention beyond decisions: moving the clock purges closed appeals, closed cases and old
disclosures (and the content ids and reviewers' words decisions repeat), while open appeals
and cases keep what their reviewer needs; the ledger verifies throughout."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from ombuds.domain import Action, CaseStatus, Decision, Outcome
from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.domain.data_request import DataScope, PartyKind
from ombuds.records import Store
from ombuds.records.ledger import Kind
from ombuds.records.ledger.retention import PurgeBatch, counts_due

from .conftest import MakeDecision

RETENTION = timedelta(days=180)
# Appeals, cases and disclosures are closed at the real time; decisions were made before.
NOW = datetime.now(UTC)
LATER = NOW + RETENTION + timedelta(days=1)
STATEMENT = "I am Jane Doe and that was my mother's photo"


def render(decisions: Sequence[Decision]) -> bytes:
    return "".join(json.dumps({"id": d.decision_id}) + "\n" for d in decisions).encode()


def scene(store: Store, make_decision: MakeDecision) -> dict[str, str]:
    """d0, d1 appealed (d0 decided, d1 open); d2, d3 under review (d2 closed with an outcome
    decision, d3 open); d4 disclosed to an authority. Their ids by role."""
    made = [make_decision(n, at=NOW - timedelta(days=2, minutes=n)) for n in range(5)]
    made[2] = replace(made[2], action=Action.REVIEW)
    made[3] = replace(made[3], action=Action.REVIEW)
    store.record_decisions(made)
    decided = store.appeals.open("n000000", STATEMENT, actor="api:platform")
    store.appeals.decide(decided.appeal_id, AppealOutcome.UPHELD, "Jane again", actor="cli:mo")
    open_appeal = store.appeals.open("n000001", STATEMENT, actor="api:platform")
    closed_case = next(c for c in store.list_cases() if c.decision_id == "d000002")
    open_case = next(c for c in store.list_cases() if c.decision_id == "d000003")
    outcome = replace(
        make_decision(9, at=NOW - timedelta(days=1)),
        supersedes="d000002",
        notice=None,
        detail=f"confirm in review case {closed_case.case_id} by alice: Jane Doe's ex again",
    )
    store.decide_case(
        closed_case.case_id,
        Outcome.CONFIRM,
        by="alice",
        reason="Jane Doe's ex again",
        actor="api:mod",
        decision=outcome,
    )
    requests = store.data_requests
    request = requests.register(
        "Police of Example",
        PartyKind.AUTHORITY,
        "Court order 12/2026",
        DataScope(content_ids=("c4",)),
        actor="api:admin-a",
    )
    requests.review(request.request_id, approve=True, reason="checked", actor="api:admin-b")
    disclosure, _ = requests.disclose(request.request_id, render, actor="api:admin-a")
    return {
        "appeal": decided.appeal_id,
        "open_appeal": open_appeal.appeal_id,
        "case": closed_case.case_id,
        "open_case": open_case.case_id,
        "request": request.request_id,
        "disclosure": disclosure.disclosure_id,
    }


def entries(store: Store, kind: str) -> list[dict[str, object]]:
    return [e.payload for e in store.ledger_entries() if e.kind == kind]


def test_moving_the_clock_purges_what_is_closed_and_keeps_what_is_open(
    store: Store, make_decision: MakeDecision
) -> None:
    ids = scene(store, make_decision)
    due = counts_due(sessionmaker(store.engine), LATER - RETENTION)
    # d1 and d3 wait for their open appeal and case; d9 is the case's outcome.
    assert due == {"decisions": 4, "appeals": 1, "cases": 1, "disclosures": 1}
    assert store.purge(RETENTION, actor="system:purge", now=LATER) == 4

    appeal = store.appeals.get(ids["appeal"])
    assert (appeal.statement, appeal.content_id, appeal.reason) == ("", "", "")
    assert (appeal.status, appeal.decided_by, appeal.notice_id) == (
        AppealStatus.UPHELD,
        "cli:mo",
        "n000000",
    )
    still_open = store.appeals.get(ids["open_appeal"])
    assert (still_open.statement, still_open.content_id) == (STATEMENT, "c1")

    case = store.get_case(ids["case"])
    assert (case.content_id, case.reason, case.decided_by) == ("", "", "alice")
    assert [(e.matched_text, e.boxes) for e in case.evidence] == [((), ())]
    open_case = store.get_case(ids["open_case"])
    assert open_case.status is CaseStatus.OPEN
    assert open_case.content_id == "c3"
    assert open_case.evidence[0].matched_text == ("zorbcoin",)  # the reviewer still needs it

    for kept in ("d000001", "d000003"):
        d = store.get_decision(kept)
        assert (d.author_id, d.content_id) != ("", "")
    for purged in ("d000000", "d000002", "d000004", "d000009"):
        d = store.get_decision(purged)
        assert (d.author_id, d.conversation_id, d.content_id) == ("", "", "")
        assert d.notice is None or (d.notice.author_id, d.notice.content_id) == ("", "")
    outcome = store.get_decision("d000009")
    assert outcome.detail == f"confirm in review case {ids['case']} by alice"

    (disclosure,) = store.data_requests.disclosures(ids["request"])
    assert disclosure.decision_ids == ()
    assert len(disclosure.sha256) == 64  # the record of what left stays
    request = store.data_requests.get(ids["request"])
    assert (request.requesting_party, request.legal_basis) == (
        "Police of Example",
        "Court order 12/2026",
    )

    for kind, subject in (
        ("purge.appeals", "appeal"),
        ("purge.cases", "case"),
        ("purge.disclosures", "disclosure"),
    ):
        (entry,) = entries(store, kind)
        assert (entry["count"], entry["ids"]) == (1, [ids[subject]])
    result = store.verify_ledger()
    assert result.ok, result.problem
    assert counts_due(sessionmaker(store.engine), LATER - RETENTION) == dict.fromkeys(due, 0)


def test_a_second_purge_finds_nothing_and_writes_nothing(
    store: Store, make_decision: MakeDecision
) -> None:
    scene(store, make_decision)
    store.purge(RETENTION, actor="system:purge", now=LATER)
    before = store.ledger_entries()
    assert store.purge(RETENTION, actor="system:purge", now=LATER) == 0
    assert store.ledger_entries() == before


def test_nothing_closed_within_the_retention_is_purged(
    store: Store, make_decision: MakeDecision
) -> None:
    ids = scene(store, make_decision)
    assert store.purge(RETENTION, actor="system:purge", now=NOW + timedelta(days=30)) == 0
    assert store.appeals.get(ids["appeal"]).statement == STATEMENT
    assert store.get_case(ids["case"]).reason == "Jane Doe's ex again"
    assert store.data_requests.disclosures(ids["request"])[0].decision_ids == ("d000004",)
    assert [e for e in store.ledger_entries() if e.kind.startswith("purge")] == []


def test_once_decided_an_open_appeal_and_its_decision_are_purged_next_time(
    store: Store, make_decision: MakeDecision
) -> None:
    ids = scene(store, make_decision)
    store.purge(RETENTION, actor="system:purge", now=LATER)
    store.appeals.decide(ids["open_appeal"], AppealOutcome.UPHELD, "ok", actor="cli:mo")
    later_still = LATER + RETENTION
    assert store.purge(RETENTION, actor="system:purge", now=later_still) == 1  # d1; d3 waits
    assert store.appeals.get(ids["open_appeal"]).statement == ""
    assert store.get_decision("d000001").author_id == ""
    assert store.get_decision("d000003").content_id == "c3"
    assert store.verify_ledger().ok


class Interrupted(Exception):
    pass


def test_an_interrupted_purge_resumes_across_tables_without_loss_or_double_purge(
    store: Store, make_decision: MakeDecision
) -> None:
    made = [make_decision(n, at=NOW - timedelta(days=2, minutes=n)) for n in range(6)]
    store.record_decisions(made)
    appeals = [
        store.appeals.open(f"n{n:06d}", STATEMENT, actor="api:p").appeal_id for n in range(6)
    ]
    for appeal_id in appeals:
        store.appeals.decide(appeal_id, AppealOutcome.UPHELD, "no", actor="cli:mo")
    seen: list[PurgeBatch] = []

    def stop_in_appeals(done: PurgeBatch) -> None:
        seen.append(done)
        if done.appeals and sum(b.appeals for b in seen) == 4:
            raise Interrupted

    with pytest.raises(Interrupted):
        store.purge(
            RETENTION, actor="system:purge", now=LATER, batch_size=2, on_batch=stop_in_appeals
        )
    assert [b.decisions for b in seen if b.decisions] == [2, 2, 2]
    assert sum(store.appeals.get(a).statement == "" for a in appeals) == 4
    assert store.verify_ledger().ok  # a stopped purge leaves a consistent ledger
    assert store.purge(RETENTION, actor="system:purge", now=LATER, batch_size=2) == 0
    batches = entries(store, "purge.appeals")
    assert [b["count"] for b in batches] == [2, 2, 2]
    purged = [i for b in batches for i in b["ids"]]  # type: ignore[attr-defined]
    assert sorted(purged) == sorted(appeals)  # each appeal in exactly one batch
    assert all(store.appeals.get(a).statement == "" for a in appeals)
    assert store.verify_ledger().ok


def test_a_purge_dying_inside_a_batch_leaves_the_appeals_whole(
    store: Store, make_decision: MakeDecision, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = scene(store, make_decision)

    def die(*_args: object, **_kwargs: object) -> None:
        raise Interrupted  # as if the process died after the batch's UPDATE

    with monkeypatch.context() as patch:
        patch.setattr("ombuds.records.ledger.retention_records.append", die)
        with pytest.raises(Interrupted):
            store.purge(RETENTION, actor="system:purge", now=LATER)
    assert store.appeals.get(ids["appeal"]).statement == STATEMENT  # rolled back
    assert entries(store, "purge.appeals") == []
    store.purge(RETENTION, actor="system:purge", now=LATER)
    assert store.appeals.get(ids["appeal"]).statement == ""
    assert store.verify_ledger().ok


def test_a_purged_content_id_edited_back_is_caught(
    store: Store, make_decision: MakeDecision
) -> None:
    store.record_decisions([make_decision(n, at=NOW - timedelta(days=2)) for n in range(2)])
    store.purge(RETENTION, actor="system:purge", now=LATER)
    assert store.verify_ledger().ok
    (purge,) = [e for e in store.ledger_entries() if e.kind == Kind.PURGE]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE notices SET content_id = 'c1' WHERE notice_id = 'n000001'"))
    result = store.verify_ledger()
    assert (result.bad_seq, result.problem) == (
        purge.seq,
        "a purged decision was altered after the purge",
    )


def test_reviewers_words_are_sealed_in_the_ledger_not_kept_there(
    store: Store, make_decision: MakeDecision
) -> None:
    ids = scene(store, make_decision)
    assert "Jane" not in json.dumps([e.payload for e in store.ledger_entries()], default=str)
    decided = {e.subject: e.payload for e in store.ledger_entries() if e.kind.endswith(".decide")}
    assert len(decided[ids["case"]]["reason_hmac"]) == len(decided[ids["appeal"]]["reason_hmac"])
    assert store.verify_ledger().ok
    store.purge(RETENTION, actor="system:purge", now=LATER)
    with store.engine.connect() as conn:
        for table, key in (("cases", "case"), ("appeals", "appeal")):
            salt = conn.execute(
                text(f"SELECT reason_salt FROM {table} WHERE public_id = :id"),
                {"id": ids[key]},
            ).scalar_one()
            assert salt == ""  # the ledger's digest now links to nothing
    assert store.verify_ledger().ok


@pytest.mark.parametrize(
    ("table", "key", "change"),
    [
        ("cases", "case", "reason = 'nothing to see'"),
        ("appeals", "appeal", "reason = 'nothing to see'"),
        ("appeals", "appeal", "reason_salt = ''"),  # a reason no one can check any more
    ],
)
def test_an_edited_reason_is_caught_by_verify(
    store: Store, make_decision: MakeDecision, table: str, key: str, change: str
) -> None:
    ids = scene(store, make_decision)
    with store.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {table} SET {change} WHERE public_id = :id"),
            {"id": ids[key]},
        )
    result = store.verify_ledger()
    assert not result.ok
    assert result.problem == f"the reason of {key} {ids[key]} was altered after it was decided"
    bad = next(e for e in store.ledger_entries() if e.seq == result.bad_seq)
    assert (bad.kind.endswith(".decide"), bad.subject) == (True, ids[key])
