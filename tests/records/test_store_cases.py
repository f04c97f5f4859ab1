"""The review queue in the store: cases open with their review decisions, and close once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ombuds.domain import Action, CaseStatus, Decision, Evidence, Outcome, Reason, Tier
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store

T0 = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
OCR = Evidence(
    "lexicon",
    "scams",
    "s1",
    "scam",
    matched_text=("zorbcoin",),
    spans=((0, 8),),
    via="ocr",
    boxes=((1, 2, 30, 12),),
)
NEAR = Evidence("bank", "known", "be_x", "scam", signal_type="pdq", distance=9)


def decision(
    n: int,
    action: Action = Action.REVIEW,
    *,
    reason: Reason = Reason.MATCHED,
    tier: Tier = Tier.DEFERRED,
) -> Decision:
    return Decision(
        decision_id=f"d{n}",
        content_id=f"c{n}",
        author_id="u1",
        conversation_id="room",
        content_kind="image",
        action=action,
        reason=reason,
        tier=tier,
        # Later ids are older: the queue's order is the decisions' time, not insertion.
        created_at=T0 - timedelta(seconds=n),
        elapsed_us=3.0,
        category="scam" if reason is Reason.MATCHED else "unscannable",
        policy="eu",
        evidence=(OCR, NEAR) if reason is Reason.MATCHED else (),
        detail="corrupt image" if reason is Reason.UNSCANNABLE else "",
    )


def test_review_decisions_open_cases_and_others_do_not(store: Store) -> None:
    store.record_decisions(
        [
            decision(1),
            decision(2, Action.BLOCK),
            decision(3, Action.ALLOW, reason=Reason.NO_MATCH),
            decision(4, reason=Reason.UNSCANNABLE, tier=Tier.INLINE),
            decision(5, Action.LABEL),
        ]
    )
    cases = store.list_cases()
    assert [c.decision_id for c in cases] == ["d4", "d1"]  # oldest first
    assert store.count_cases() == 2
    assert store.count_cases(status=CaseStatus.OPEN) == 2
    unscannable, matched = cases
    assert unscannable.decision_reason is Reason.UNSCANNABLE
    assert (unscannable.tier, unscannable.detail) == (Tier.INLINE, "corrupt image")
    assert matched.status is CaseStatus.OPEN
    assert (matched.policy, matched.category, matched.content_kind) == ("eu", "scam", "image")
    assert matched.opened_at == T0 - timedelta(seconds=1)
    assert matched.evidence == (OCR, NEAR)  # boxes, spans, via and distance survive
    assert matched.decided_at is None
    assert (matched.decided_by, matched.reason, matched.bank) == ("", "", None)
    assert store.get_case(matched.case_id) == matched


def test_a_failed_recording_opens_no_case(store: Store) -> None:
    store.record_decisions([decision(1)])
    with pytest.raises(ConflictError):
        store.record_decisions([decision(2), decision(1)])
    assert [c.decision_id for c in store.list_cases()] == ["d1"]


def test_pages_and_status_filter(store: Store) -> None:
    store.record_decisions([decision(n) for n in range(1, 6)])
    oldest_first = [c.decision_id for c in store.list_cases()]
    assert oldest_first == ["d5", "d4", "d3", "d2", "d1"]
    page = store.list_cases(status=CaseStatus.OPEN, offset=1, limit=2)
    assert [c.decision_id for c in page] == ["d4", "d3"]
    first = store.list_cases()[0]
    store.decide_case(first.case_id, Outcome.REJECT, by="mod", reason="harmless", actor="test")
    assert store.count_cases(status=CaseStatus.OPEN) == 4
    assert [c.decision_id for c in store.list_cases(status=CaseStatus.REJECTED)] == ["d5"]
    assert store.list_cases(status=CaseStatus.CONFIRMED) == []


@pytest.mark.parametrize(
    ("outcome", "status", "bank"),
    [
        (Outcome.CONFIRM, CaseStatus.CONFIRMED, "known"),
        (Outcome.CONFIRM, CaseStatus.CONFIRMED, None),
        (Outcome.REJECT, CaseStatus.REJECTED, None),
        (Outcome.ESCALATE, CaseStatus.ESCALATED, None),
    ],
)
def test_deciding_closes_the_case_once(
    store: Store, outcome: Outcome, status: CaseStatus, bank: str | None
) -> None:
    store.record_decisions([decision(1)])
    (case,) = store.list_cases()
    before = datetime.now(UTC)
    decided = store.decide_case(
        case.case_id, outcome, by="mod-key", reason="looked", bank=bank, actor="test"
    )
    assert decided.status is status
    assert (decided.decided_by, decided.reason, decided.bank) == ("mod-key", "looked", bank)
    assert decided.decided_at is not None
    assert decided.decided_at >= before - timedelta(seconds=1)
    assert store.get_case(case.case_id) == decided
    with pytest.raises(ConflictError, match=f"already {status.value}") as info:
        store.decide_case(case.case_id, Outcome.REJECT, by="other", reason="late", actor="test")
    assert info.value.field == "case_id"
    assert store.get_case(case.case_id) == decided


def test_unknown_cases_and_banks_on_other_outcomes(store: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        store.get_case("case_nope")
    assert info.value.field == "case_id"
    with pytest.raises(NotFoundError):
        store.decide_case("case_nope", Outcome.CONFIRM, by="mod", reason="", actor="test")
    with pytest.raises(NotFoundError):  # not a driver error on PostgreSQL
        store.get_case("case_\x00")
    store.record_decisions([decision(1)])
    (case,) = store.list_cases()
    with pytest.raises(InputError) as bad:
        store.decide_case(
            case.case_id, Outcome.REJECT, by="mod", reason="", bank="known", actor="test"
        )
    assert bad.value.field == "bank"
    assert store.get_case(case.case_id).status is CaseStatus.OPEN
