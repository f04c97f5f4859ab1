"""Statements of reasons: what a user is told when a decision restricts their content."""

from __future__ import annotations

from datetime import datetime

from ombuds.domain import Action, Evidence, Notice
from ombuds.engine.ids import new_id


def make_notice(
    *,
    decision_id: str,
    content_id: str,
    author_id: str,
    action: Action,
    category: str,
    policy: str,
    ground: str,
    evidence: tuple[Evidence, ...],
    appeal_url: str,
    now: datetime,
    automated_decision: bool = True,
) -> Notice:
    notice_id = new_id("ntc")
    return Notice(
        notice_id=notice_id,
        decision_id=decision_id,
        content_id=content_id,
        author_id=author_id,
        action=action,
        category=category,
        policy=policy,
        ground=ground,
        # Every inline match is found by a machine; a human decision is made in review.
        automated_detection=True,
        automated_decision=automated_decision,
        matched=tuple(dict.fromkeys(e.rule_id for e in evidence if e.category == category)),
        how_to_appeal=f"{appeal_url.rstrip('/')}/{notice_id}",
        created_at=now,
    )
