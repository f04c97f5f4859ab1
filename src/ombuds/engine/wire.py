"""Decisions as compact JSON-ready lists, for handing them to another process of ours.

Positional lists, not dicts: the request process pays for encoding every decision it makes,
so the shape is the cheapest that round-trips exactly (`decision_from_wire` gives back an
equal Decision, so a digest computed on either side is the same).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Signal, Tier


def notice_to_wire(n: Notice) -> list[Any]:
    return [
        n.notice_id,
        n.decision_id,
        n.content_id,
        n.author_id,
        n.action.value,
        n.category,
        n.policy,
        n.ground,
        n.automated_detection,
        n.automated_decision,
        list(n.matched),
        n.how_to_appeal,
        n.created_at.isoformat(),
    ]


def notice_from_wire(w: list[Any]) -> Notice:
    return Notice(
        notice_id=w[0],
        decision_id=w[1],
        content_id=w[2],
        author_id=w[3],
        action=Action(w[4]),
        category=w[5],
        policy=w[6],
        ground=w[7],
        automated_detection=w[8],
        automated_decision=w[9],
        matched=tuple(w[10]),
        how_to_appeal=w[11],
        created_at=datetime.fromisoformat(w[12]),
    )


def decision_to_wire(d: Decision) -> list[Any]:
    return [
        d.decision_id,
        d.content_id,
        d.author_id,
        d.conversation_id,
        d.content_kind,
        d.action.value,
        d.reason.value,
        d.tier.value,
        d.created_at.isoformat(),
        d.elapsed_us,
        d.category,
        d.policy,
        [e.as_dict() for e in d.evidence],
        list(d.signal_types),
        [[s.signal_type, s.value, s.quality] for s in d.signals],
        None if d.notice is None else notice_to_wire(d.notice),
        d.supersedes,
        d.detail,
        d.extra,
    ]


def decision_from_wire(w: list[Any]) -> Decision:
    return Decision(
        decision_id=w[0],
        content_id=w[1],
        author_id=w[2],
        conversation_id=w[3],
        content_kind=w[4],
        action=Action(w[5]),
        reason=Reason(w[6]),
        tier=Tier(w[7]),
        created_at=datetime.fromisoformat(w[8]),
        elapsed_us=w[9],
        category=w[10],
        policy=w[11],
        evidence=tuple(Evidence.from_dict(e) for e in w[12]),
        signal_types=tuple(w[13]),
        signals=tuple(Signal(s[0], s[1], s[2]) for s in w[14]),
        notice=None if w[15] is None else notice_from_wire(w[15]),
        supersedes=w[16],
        detail=w[17],
        extra=dict(w[18]),
    )
