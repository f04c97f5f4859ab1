"""The appeal desk on a real store: filing, a second person's review, and a reversal that
restores the content (a delivered allow decision) and disables or flags its bank entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Decision,
    Evidence,
    Notice,
    Outcome,
    Reason,
    Signal,
    Tier,
)
from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.engine.accountability import transparency_counts
from ombuds.engine.appeals import AppealDesk, entries_behind
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def restricted(n: int, evidence: tuple[Evidence, ...], action: Action = Action.BLOCK) -> Decision:
    decision_id = f"dcs_{n}"
    notice = Notice(
        notice_id=f"ntc_{n}",
        decision_id=decision_id,
        content_id=f"c{n}",
        author_id="u1",
        action=action,
        category="scam",
        policy="eu",
        ground="ToS 4",
        automated_detection=True,
        automated_decision=True,
        matched=tuple(e.rule_id for e in evidence),
        how_to_appeal=f"https://example.invalid/appeals/ntc_{n}",
        created_at=NOW,
    )
    return Decision(
        decision_id=decision_id,
        content_id=f"c{n}",
        author_id="u1",
        conversation_id="room",
        content_kind="image",
        action=action,
        reason=Reason.MATCHED,
        tier=Tier.INLINE,
        created_at=NOW,
        elapsed_us=5.0,
        category="scam",
        policy="eu",
        evidence=evidence,
        notice=notice,
    )


@pytest.fixture
def entries(store: Store) -> tuple[BankEntry, BankEntry]:
    store.create_bank(Bank("known", "scam"), actor="test")
    return tuple(  # type: ignore[return-value]
        store.add_entries(
            [
                BankEntry("known", Signal("md5", "a" * 32), "scam"),
                BankEntry("known", Signal("pdq", "b" * 64), "scam"),
            ],
            actor="test",
        )
    )


def evidence_of(exact: BankEntry, near: BankEntry) -> tuple[Evidence, ...]:
    return (
        Evidence("bank", "known", exact.public_id, "scam", signal_type="md5"),
        Evidence("bank", "known", near.public_id, "scam", signal_type="pdq", distance=12),
        Evidence("lexicon", "words", "w1", "scam"),
        Evidence("bank", "known", "be_other", "spam", signal_type="md5"),  # another category
    )


def test_entries_behind_a_decision_split_exact_from_near() -> None:
    exact = BankEntry("known", Signal("md5", "a" * 32), "scam", public_id="be_exact")
    near = BankEntry("known", Signal("pdq", "b" * 64), "scam", public_id="be_near")
    decision = restricted(1, evidence_of(exact, near))
    assert entries_behind(decision) == (["be_exact"], ["be_near"])
    zero = Evidence("bank", "known", "be_same", "scam", signal_type="pdq", distance=0)
    assert entries_behind(restricted(2, (zero,))) == (["be_same"], [])


def test_reversal_restores_content_and_acts_on_the_entries(
    store: Store, entries: tuple[BankEntry, BankEntry]
) -> None:
    exact, near = entries
    store.record_decisions([restricted(1, evidence_of(exact, near))])
    delivered: list[Decision] = []
    desk = AppealDesk(store, deliver=delivered.append)
    appeal = desk.file("ntc_1", "  This is my own holiday photo.  ", actor="api:platform")
    assert appeal.statement == "This is my own holiday photo."
    result = desk.decide(appeal.appeal_id, AppealOutcome.REVERSED, "own photo", actor="api:mod")
    reversal = result.reversal
    assert reversal is not None and delivered == [reversal]
    assert (reversal.action, reversal.supersedes, reversal.notice) == (Action.ALLOW, "dcs_1", None)
    assert reversal.extra == {"appeal_id": appeal.appeal_id, "reviewed_by": "api:mod"}
    assert store.get_decision(reversal.decision_id).supersedes == "dcs_1"
    assert result.appeal.status is AppealStatus.REVERSED
    assert result.appeal.disabled_entries == (exact.public_id,)
    assert result.appeal.flagged_entries == (near.public_id,)
    assert store.get_entry(exact.public_id).enabled is False
    flagged = store.get_entry(near.public_id)
    assert flagged.enabled is True and any(t.startswith("appeal-reversed") for t in flagged.tags)


def test_upholding_changes_nothing_but_the_appeal(
    store: Store, entries: tuple[BankEntry, BankEntry]
) -> None:
    store.record_decisions([restricted(2, evidence_of(*entries))])
    delivered: list[Decision] = []
    desk = AppealDesk(store, deliver=delivered.append)
    appeal = desk.file("ntc_2", "please", actor="api:platform")
    result = desk.decide(appeal.appeal_id, AppealOutcome.UPHELD, "a known scam", actor="api:mod")
    assert (result.reversal, delivered) == (None, [])
    assert (result.appeal.status, result.appeal.reason) == (AppealStatus.UPHELD, "a known scam")
    assert store.count_decisions() == 1
    assert all(e.enabled for e in store.list_entries("known"))


def test_bad_appeals_are_refused_with_their_field(store: Store) -> None:
    store.record_decisions([restricted(3, (), Action.REVIEW)])
    (case,) = store.list_cases()
    store.decide_case(case.case_id, Outcome.CONFIRM, by="mod-a", reason="", actor="api:mod-a")
    desk = AppealDesk(store)
    with pytest.raises(NotFoundError):
        desk.file("ntc_unknown", "x", actor="api:platform")
    with pytest.raises(InputError) as empty:
        desk.file("ntc_3", "   ", actor="api:platform")
    assert empty.value.field == "statement"
    appeal = desk.file("ntc_3", "x", actor="api:platform")
    with pytest.raises(InputError) as no_reason:
        desk.decide(appeal.appeal_id, AppealOutcome.UPHELD, "", actor="api:mod-b")
    assert no_reason.value.field == "reason"
    with pytest.raises(ConflictError) as own:
        desk.decide(appeal.appeal_id, AppealOutcome.REVERSED, "oops", actor="api:mod-a")
    assert own.value.field == "reviewer"
    desk.decide(appeal.appeal_id, AppealOutcome.UPHELD, "stands", actor="api:mod-b")
    with pytest.raises(ConflictError) as twice:
        desk.decide(appeal.appeal_id, AppealOutcome.REVERSED, "changed my mind", actor="x:y")
    assert twice.value.field == "appeal_id"
    assert store.count_decisions() == 1


def test_transparency_counts(store: Store) -> None:
    store.record_decisions([restricted(n, ()) for n in range(4)])
    desk = AppealDesk(store)
    ids = [desk.file(f"ntc_{n}", "x", actor="api:p").appeal_id for n in range(4)]
    desk.decide(ids[0], AppealOutcome.UPHELD, "stands", actor="api:mod")
    desk.decide(ids[1], AppealOutcome.REVERSED, "wrong", actor="api:mod")
    desk.decide(ids[2], AppealOutcome.REVERSED, "wrong", actor="api:mod")
    counts = transparency_counts(store)
    appeals = counts["appeals"]
    assert appeals["by_outcome"] == {"open": 1, "upheld": 1, "reversed": 2}
    assert appeals["decided"] == 3
    times = [(d - o).total_seconds() for _s, o, d in store.appeals.decision_times()]
    assert appeals["median_seconds_to_decision"] == sorted(times)[1]
    assert counts["data_requests"] == {"by_status": {}, "by_legal_basis": {}, "by_party_kind": {}}
