"""Decisions to record in ledger tests: made at given times, with notices and text evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Tier

T0 = datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)

MakeDecision = Callable[..., Decision]


def _decision(n: int, *, at: datetime | None = None, restricted: bool = True) -> Decision:
    did = f"d{n:06d}"
    when = at or T0 + timedelta(seconds=n)
    notice = Notice(
        notice_id=f"n{n:06d}",
        decision_id=did,
        content_id=f"c{n}",
        author_id=f"user-{n % 7}",
        action=Action.BLOCK,
        category="scam",
        policy="eu",
        ground="ToS 4.2",
        automated_detection=True,
        automated_decision=True,
        matched=("r1",),
        how_to_appeal="https://example.invalid/appeal",
        created_at=when,
    )
    return Decision(
        decision_id=did,
        content_id=f"c{n}",
        author_id=f"user-{n % 7}",
        conversation_id=f"room-{n % 3}",
        content_kind="image",
        action=Action.BLOCK if restricted else Action.ALLOW,
        reason=Reason.MATCHED if restricted else Reason.NO_MATCH,
        tier=Tier.DEFERRED,
        created_at=when,
        elapsed_us=41.5,
        category="scam" if restricted else "",
        policy="eu",
        evidence=(
            Evidence(
                "lexicon",
                "scams",
                "r1",
                "scam",
                matched_text=("zorbcoin",),
                spans=((3, 11),),
                via="ocr",
                boxes=((1, 2, 30, 12),),
            ),
        )
        if restricted
        else (),
        signal_types=("md5", "pdq"),
        notice=notice if restricted else None,
        extra={"note": "ünïcode ✓"},
    )


@pytest.fixture
def make_decision() -> MakeDecision:
    return _decision
