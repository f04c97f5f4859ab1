"""The review queue: cases opened by review decisions, and reviewers' outcomes.

Moderators read and decide cases; admins may read them. A confirmation may bank the
content's signals, inside the decision's own policy only (`Banker.confirm`); the running
engine learns them at once, so the same content is caught inline next time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ombuds.domain import Case, CaseStatus, Outcome
from ombuds.engine.serialize import decision_as_dict
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.models import DecisionOut, EvidenceOut
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/cases", tags=["cases"])

Moderator = Annotated[Caller, Depends(allow(Role.MODERATOR))]
Readers = Annotated[Caller, Depends(allow(Role.MODERATOR, Role.ADMIN))]
_JSON = [Depends(media_type("application/json"))]


class CaseOut(BaseModel):
    case_id: str
    decision_id: str
    content_id: str
    content_kind: str
    policy: str
    category: str
    tier: Literal["inline", "deferred"]
    decision_reason: Literal["out_of_scope", "no_match", "matched", "unscannable"]
    status: Literal["open", "confirmed", "rejected", "escalated"]
    opened_at: datetime
    evidence: list[EvidenceOut]
    detail: str
    decided_at: datetime | None
    decided_by: str
    reason: str
    bank: str | None


class CasesOut(BaseModel):
    cases: list[CaseOut]
    offset: int
    limit: int
    total: int


class CaseDecisionIn(BaseModel):
    """`bank` (confirm only) banks the content's signals in a bank the policy uses."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["confirm", "reject", "escalate"]
    reason: str = Field(max_length=4_000, pattern=r"^[^\x00]*$")  # PostgreSQL text has no NUL
    bank: str | None = Field(default=None, min_length=1, max_length=200)


class CaseDecisionOut(BaseModel):
    case: CaseOut
    banked: list[str]  # public ids of the bank entries the confirmation added
    # The outcome's own decision (block with a notice, or allow); null for an escalation.
    decision: DecisionOut | None = None


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "decision_id": case.decision_id,
        "content_id": case.content_id,
        "content_kind": case.content_kind,
        "policy": case.policy,
        "category": case.category,
        "tier": case.tier.value,
        "decision_reason": case.decision_reason.value,
        "status": case.status.value,
        "opened_at": case.opened_at.isoformat(),
        "evidence": [e.as_dict() for e in case.evidence],
        "detail": case.detail,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "decided_by": case.decided_by,
        "reason": case.reason,
        "bank": case.bank,
    }


@router.get(
    "",
    responses={200: {"model": CasesOut}, **ERROR_RESPONSES},
    summary="A page of the review queue, oldest first",
)
def list_cases(
    request: Request,
    _caller: Readers,
    status: Literal["open", "confirmed", "rejected", "escalated", "all"] = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    store = runtime_of(request).store
    wanted = None if status == "all" else CaseStatus(status)
    cases = store.list_cases(status=wanted, offset=offset, limit=limit)
    return {
        "cases": [_case_out(c) for c in cases],
        "offset": offset,
        "limit": limit,
        "total": store.count_cases(status=wanted),
    }


@router.get(
    "/{case_id}",
    responses={200: {"model": CaseOut}, **ERROR_RESPONSES},
    summary="One case, with its decision's evidence",
)
def get_case(request: Request, case_id: str, _caller: Readers) -> dict[str, Any]:
    return _case_out(runtime_of(request).store.get_case(case_id))


@router.post(
    "/{case_id}/decision",
    dependencies=_JSON,
    responses={200: {"model": CaseDecisionOut}, **ERROR_RESPONSES},
    summary="Confirm (optionally banking the content), reject or escalate an open case",
)
def decide_case(
    request: Request, case_id: str, body: CaseDecisionIn, caller: Moderator
) -> dict[str, Any]:
    runtime = runtime_of(request)
    desk = runtime.review_desk()
    result = desk.decide(
        case_id,
        Outcome(body.outcome),
        by=caller.name,
        reason=body.reason,
        actor=caller.actor,
        bank=body.bank,
    )
    decided, banked = result.case, list(result.banked)
    made = None if result.decision is None else decision_as_dict(result.decision)
    return {"case": _case_out(decided), "banked": banked, "decision": made}
