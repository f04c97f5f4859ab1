"""Decisions as plain JSON-ready dicts: one shape for the CLI's JSON lines and the API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ombuds.domain import Decision, Notice


def notice_as_dict(notice: Notice) -> dict[str, Any]:
    data = asdict(notice)
    data["action"] = notice.action.value
    data["matched"] = list(notice.matched)
    data["created_at"] = notice.created_at.isoformat()
    return data


def decision_as_dict(decision: Decision) -> dict[str, Any]:
    return {
        "decision_id": decision.decision_id,
        "content_id": decision.content_id,
        "content_kind": decision.content_kind,
        "action": decision.action.value,
        "reason": decision.reason.value,
        "tier": decision.tier.value,
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
