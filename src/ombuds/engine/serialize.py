"""Decisions as plain JSON-ready dicts: one shape for the CLI's JSON lines and the API."""

from __future__ import annotations

from typing import Any

from ombuds.domain import Decision, Notice


def notice_as_dict(notice: Notice) -> dict[str, Any]:
    # Field by field, not dataclasses.asdict: that deep-copies every value, and a batch
    # answers hundreds of notices.
    return {
        "notice_id": notice.notice_id,
        "decision_id": notice.decision_id,
        "content_id": notice.content_id,
        "author_id": notice.author_id,
        "action": notice.action._value_,
        "category": notice.category,
        "policy": notice.policy,
        "ground": notice.ground,
        "automated_detection": notice.automated_detection,
        "automated_decision": notice.automated_decision,
        "matched": list(notice.matched),
        "how_to_appeal": notice.how_to_appeal,
        "created_at": notice.created_at.isoformat(),
    }


def decision_as_dict(decision: Decision) -> dict[str, Any]:
    return {
        "decision_id": decision.decision_id,
        "content_id": decision.content_id,
        "content_kind": decision.content_kind,
        # `_value_`: see `decision_records.decision_record`.
        "action": decision.action._value_,
        "reason": decision.reason._value_,
        "tier": decision.tier._value_,
        "category": decision.category,
        "policy": decision.policy,
        "evidence": [e.as_dict() for e in decision.evidence],
        "signal_types": list(decision.signal_types),
        "elapsed_us": round(decision.elapsed_us, 1),
        "detail": decision.detail,
        # The earlier decision on the same content this one replaces (deferred tier, case
        # outcome, appeal reversal): what a platform acts on when a webhook arrives.
        "supersedes": decision.supersedes,
        "notice": notice_as_dict(decision.notice) if decision.notice else None,
    }
