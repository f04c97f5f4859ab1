"""Appeals in the store: filed once per current notice, decided once by someone who did not
take the first decision; a reversal's effects are written with its outcome or not at all."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ombuds.domain import Action, CaseStatus, Decision, Outcome, Tier
from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records import Store

from .accountability_data import banked, decision, exact, ledger_kinds, near


def _reversal(store: Store, n: int, appeal_id: str, decision_id: str = "") -> Decision:
    original = store.get_decision(f"dcs_{n}")
    return replace(
        original,
        decision_id=decision_id or f"dcs_rev_{n}",
        action=Action.ALLOW,
        tier=Tier.DEFERRED,
        notice=None,
        supersedes=original.decision_id,
        detail=f"reversed on appeal {appeal_id}",
    )


def test_filing_an_appeal_records_who_decided_first(store: Store) -> None:
    store.record_decisions([decision(1), decision(2, Action.ALLOW)])
    appeal = store.appeals.open("ntc_1", "I was quoting a scam to warn people", actor="api:p")
    assert appeal.status is AppealStatus.OPEN
    assert (appeal.notice_id, appeal.decision_id, appeal.content_id) == ("ntc_1", "dcs_1", "c1")
    assert appeal.first_deciders == ("engine",)
    assert appeal.opened_by == "api:p"
    assert store.appeals.get(appeal.appeal_id) == appeal
    assert store.notices.get("ntc_1").appeal_id == appeal.appeal_id
    assert ("appeal.open", "api:p", appeal.appeal_id) in ledger_kinds(store)


def test_bad_filings_are_refused_and_write_nothing(store: Store) -> None:
    store.record_decisions([decision(1), decision(3), decision(4, supersedes="dcs_3")])
    with pytest.raises(NotFoundError) as unknown:
        store.appeals.open("ntc_nope", "x", actor="api:p")
    assert unknown.value.field == "notice_id"
    with pytest.raises(NotFoundError):
        store.appeals.open("ntc\x00", "x", actor="api:p")
    with pytest.raises(ConflictError, match="superseded by 'dcs_4'"):
        store.appeals.open("ntc_3", "x", actor="api:p")
    first = store.appeals.open("ntc_1", "x", actor="api:p")
    entries = len(ledger_kinds(store))
    with pytest.raises(ConflictError, match="already appealed") as twice:
        store.appeals.open("ntc_1", "again", actor="api:p")
    assert twice.value.field == "notice_id"
    assert store.appeals.count() == 1
    assert store.appeals.list_appeals() == [first]
    assert len(ledger_kinds(store)) == entries


def test_the_reviewer_of_a_case_cannot_review_its_appeal(store: Store) -> None:
    store.record_decisions([decision(5, Action.REVIEW)])
    (case,) = store.list_cases()
    store.decide_case(case.case_id, Outcome.CONFIRM, by="mod-a", reason="scam", actor="api:mod-a")
    appeal = store.appeals.open("ntc_5", "not a scam", actor="api:p")
    assert set(appeal.first_deciders) == {"engine", "key:mod-a"}
    for same in ("api:mod-a", "console:mod-a", "engine"):
        with pytest.raises(ConflictError) as refused:
            store.appeals.decide(appeal.appeal_id, AppealOutcome.UPHELD, "no", actor=same)
        assert refused.value.field == "reviewer"
    assert store.appeals.get(appeal.appeal_id).status is AppealStatus.OPEN
    upheld = store.appeals.decide(appeal.appeal_id, AppealOutcome.UPHELD, "ok", actor="api:mod-b")
    assert (upheld.status, upheld.decided_by, upheld.reason) == ("upheld", "api:mod-b", "ok")
    assert upheld.decided_at is not None and upheld.seconds_to_decision is not None
    assert upheld.reversal_decision_id is None
    with pytest.raises(ConflictError, match="already upheld"):
        store.appeals.decide(appeal.appeal_id, AppealOutcome.UPHELD, "x", actor="api:mod-c")


def test_a_reversal_supersedes_disables_the_exact_entry_and_flags_the_near_one(
    store: Store,
) -> None:
    entry = banked(store)
    store.record_decisions([decision(6, evidence=(exact(entry), near("be_gone")))])
    appeal = store.appeals.open("ntc_6", "that is my own photo", actor="api:p")
    reversal = _reversal(store, 6, appeal.appeal_id)
    decided = store.appeals.decide(
        appeal.appeal_id,
        AppealOutcome.REVERSED,
        "own photo",
        actor="api:mod-b",
        reversal=reversal,
        disable=[entry.public_id],
        flag=["be_gone"],
    )
    assert decided.status is AppealStatus.REVERSED
    assert decided.reversal_decision_id == "dcs_rev_6"
    assert decided.disabled_entries == (entry.public_id,)
    assert decided.flagged_entries == ()  # the near entry no longer exists: nothing to flag
    stored = store.get_decision("dcs_rev_6")
    assert (stored.action, stored.supersedes) == (Action.ALLOW, "dcs_6")
    now = store.get_entry(entry.public_id)
    assert now.enabled is False
    assert f"appeal-reversed:{appeal.appeal_id}" in now.tags
    assert store.notices.get("ntc_6").superseded_by == "dcs_rev_6"
    kinds = [k for k, _a, _s in ledger_kinds(store)]
    assert kinds[-3:] == ["decisions", "bank.entry_state", "appeal.decide"]
    verified = store.verify_ledger()
    assert verified.ok, verified.problem
    assert verified.decisions_checked == 2  # the restricting decision and its reversal


def test_a_reversal_closes_the_open_case_of_its_decision(store: Store) -> None:
    store.record_decisions([decision(7, Action.REVIEW)])
    appeal = store.appeals.open("ntc_7", "please look", actor="api:p")
    reversal = _reversal(store, 7, appeal.appeal_id)
    store.appeals.decide(
        appeal.appeal_id,
        AppealOutcome.REVERSED,
        "fine",
        actor="api:mod-b",
        reversal=reversal,
    )
    (case,) = store.list_cases(status=CaseStatus.REJECTED)
    assert case.decided_by == "api:mod-b"
    assert appeal.appeal_id in case.reason


def test_a_failed_reversal_leaves_the_appeal_open_and_the_entry_enabled(store: Store) -> None:
    entry = banked(store)
    store.record_decisions([decision(8, evidence=(exact(entry),)), decision(9)])
    appeal = store.appeals.open("ntc_8", "mine", actor="api:p")
    entries = len(ledger_kinds(store))
    # A reversal whose id is taken already: the insert fails inside the transaction.
    clash = _reversal(store, 8, appeal.appeal_id, decision_id="dcs_9")
    with pytest.raises(ConflictError):
        store.appeals.decide(
            appeal.appeal_id,
            AppealOutcome.REVERSED,
            "x",
            actor="api:mod-b",
            reversal=clash,
            disable=[entry.public_id],
        )
    assert store.appeals.get(appeal.appeal_id).status is AppealStatus.OPEN
    assert store.get_entry(entry.public_id).enabled is True
    assert store.count_decisions() == 2
    assert len(ledger_kinds(store)) == entries


def test_unknown_appeals_and_listing_by_status(store: Store) -> None:
    with pytest.raises(NotFoundError) as unknown:
        store.appeals.get("apl_nope")
    assert unknown.value.field == "appeal_id"
    with pytest.raises(NotFoundError):
        store.appeals.decide("apl_nope", AppealOutcome.UPHELD, "x", actor="api:m")
    store.record_decisions([decision(n) for n in (10, 11, 12)])
    ids = [store.appeals.open(f"ntc_{n}", "x", actor="api:p").appeal_id for n in (10, 11, 12)]
    store.appeals.decide(ids[1], AppealOutcome.UPHELD, "stands", actor="api:m")
    assert [a.appeal_id for a in store.appeals.list_appeals(status=AppealStatus.OPEN)] == [
        ids[0],
        ids[2],
    ]
    assert store.appeals.count(status=AppealStatus.UPHELD) == 1
    assert [a.appeal_id for a in store.appeals.list_appeals(offset=1, limit=1)] == [ids[1]]
    ((status, opened, decided),) = store.appeals.decision_times()
    assert status == "upheld" and decided >= opened
