"""Notices, appeals and data requests as plain JSON-ready dicts: one shape for the API and
the CLI's JSON output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ombuds.domain.appeal import Appeal, NoticeRecord
from ombuds.domain.data_request import DataRequest, Disclosure


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def notice_record_as_dict(record: NoticeRecord) -> dict[str, Any]:
    n = record.notice
    return {
        "notice_id": n.notice_id,
        "decision_id": n.decision_id,
        "content_id": n.content_id,
        "content_kind": record.content_kind,
        "author_id": n.author_id,
        "action": n.action.value,
        "category": n.category,
        "policy": n.policy,
        "ground": n.ground,
        "automated_detection": n.automated_detection,
        # A moderator who decided the review case made it a human decision.
        "automated_decision": n.automated_decision and not record.human_deciders,
        "human_review": bool(record.human_deciders),
        "matched": list(n.matched),
        "how_to_appeal": n.how_to_appeal,
        "created_at": n.created_at.isoformat(),
        "superseded_by": record.superseded_by,
        "appeal_id": record.appeal_id,
        "appeal_status": None if record.appeal_status is None else record.appeal_status.value,
    }


def appeal_as_dict(a: Appeal) -> dict[str, Any]:
    return {
        "appeal_id": a.appeal_id,
        "notice_id": a.notice_id,
        "decision_id": a.decision_id,
        "content_id": a.content_id,
        "statement": a.statement,
        "opened_by": a.opened_by,
        "opened_at": a.opened_at.isoformat(),
        "status": a.status.value,
        "first_deciders": list(a.first_deciders),
        "decided_by": a.decided_by,
        "decided_at": _iso(a.decided_at),
        "reason": a.reason,
        "seconds_to_decision": a.seconds_to_decision,
        "reversal_decision_id": a.reversal_decision_id,
        "disabled_entries": list(a.disabled_entries),
        "flagged_entries": list(a.flagged_entries),
    }


def data_request_as_dict(r: DataRequest) -> dict[str, Any]:
    return {
        "request_id": r.request_id,
        "requesting_party": r.requesting_party,
        "party_kind": r.party_kind.value,
        "legal_basis": r.legal_basis,
        "scope": {
            "author_ids": list(r.scope.author_ids),
            "content_ids": list(r.scope.content_ids),
            "since": _iso(r.scope.since),
            "until": _iso(r.scope.until),
        },
        "description": r.description,
        "registered_by": r.registered_by,
        "registered_at": r.registered_at.isoformat(),
        "status": r.status.value,
        "reviewed_by": r.reviewed_by,
        "reviewed_at": _iso(r.reviewed_at),
        "review_reason": r.review_reason,
    }


def disclosure_as_dict(d: Disclosure) -> dict[str, Any]:
    return {
        "disclosure_id": d.disclosure_id,
        "request_id": d.request_id,
        "disclosed_by": d.disclosed_by,
        "disclosed_at": d.disclosed_at.isoformat(),
        "decision_ids": list(d.decision_ids),
        "sha256": d.sha256,
    }
