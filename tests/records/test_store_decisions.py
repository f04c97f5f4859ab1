"""Decisions and notices in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Tier
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records import Store

T0 = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)


def decision(n: int, *, notice: bool = True) -> Decision:
    did = f"d{n}"
    return Decision(
        decision_id=did,
        content_id=f"c{n}",
        author_id="u1",
        conversation_id="room",
        content_kind="image",
        action=Action.BLOCK if notice else Action.ALLOW,
        reason=Reason.MATCHED if notice else Reason.NO_MATCH,
        tier=Tier.INLINE,
        created_at=T0 + timedelta(seconds=n),
        elapsed_us=12.5,
        category="csam" if notice else "",
        policy="eu",
        evidence=(
            Evidence("bank", "B", "be_x", "csam", signal_type="md5"),
            Evidence("lexicon", "L", "r1", "spam", matched_text=("a", "b"), spans=((0, 1), (4, 5))),
            Evidence("bank", "P", "be_y", "csam", signal_type="pdq", distance=7),
        )
        if notice
        else (),
        signal_types=("md5", "pdq"),
        notice=Notice(
            notice_id=f"n{n}",
            decision_id=did,
            content_id=f"c{n}",
            author_id="u1",
            action=Action.BLOCK,
            category="csam",
            policy="eu",
            ground="ToS 1",
            automated_detection=True,
            automated_decision=False,
            matched=("be_x", "r1"),
            how_to_appeal="https://example.invalid/appeals/n1",
            created_at=T0,
        )
        if notice
        else None,
        supersedes="d0" if n % 2 else None,
        detail="why",
        extra={"k": "v"},
    )


def test_decisions_round_trip(store: Store) -> None:
    batch = [decision(n, notice=n % 3 != 0) for n in range(1, 2101)]
    store.record_decisions(batch)
    assert store.count_decisions() == 2100
    for d in batch[:5]:
        assert store.get_decision(d.decision_id) == d


def test_recording_is_one_transaction(store: Store) -> None:
    store.record_decisions([decision(1)])
    with pytest.raises(ConflictError):
        store.record_decisions([decision(2), decision(1)])
    assert store.count_decisions() == 1
    with pytest.raises(NotFoundError):
        store.get_decision("d2")
    store.record_decisions([])
