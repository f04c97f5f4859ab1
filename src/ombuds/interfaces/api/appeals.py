"""Appeals: a platform files one for its user against a notice; a moderator who did not take
the first decision upholds or reverses it.

A reversal stores an `allow` decision that supersedes the restricting one and POSTs it to
the webhooks like any changed decision, so the platform restores the content; bank entries
behind an exact match are disabled at once in the running engine, near ones flagged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.engine.accountability_views import appeal_as_dict
from ombuds.engine.appeals import AppealDesk
from ombuds.engine.serialize import decision_as_dict
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.models import DecisionOut
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1", tags=["appeals"])

Platform = Annotated[Caller, Depends(allow(Role.PLATFORM))]
Moderator = Annotated[Caller, Depends(allow(Role.MODERATOR))]
Readers = Annotated[Caller, Depends(allow(Role.MODERATOR, Role.ADMIN, Role.AUDITOR))]
OneReader = Annotated[
    Caller, Depends(allow(Role.PLATFORM, Role.MODERATOR, Role.ADMIN, Role.AUDITOR))
]
_JSON = [Depends(media_type("application/json"))]
_TEXT = r"^[^\x00]*$"  # PostgreSQL text has no NUL


class AppealIn(BaseModel):
    """The user's own statement of why the restriction is wrong."""

    model_config = ConfigDict(extra="forbid")

    statement: str = Field(min_length=1, max_length=10_000, pattern=_TEXT)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "reversed"]
    reason: str = Field(min_length=1, max_length=10_000, pattern=_TEXT)


class AppealOut(BaseModel):
    appeal_id: str
    notice_id: str
    decision_id: str
    content_id: str
    statement: str
    opened_by: str
    opened_at: datetime
    status: Literal["open", "upheld", "reversed"]
    first_deciders: list[str]  # who may not review it
    decided_by: str
    decided_at: datetime | None
    reason: str
    seconds_to_decision: float | None
    reversal_decision_id: str | None
    disabled_entries: list[str]
    flagged_entries: list[str]


class AppealsOut(BaseModel):
    appeals: list[AppealOut]
    offset: int
    limit: int
    total: int


class AppealDecisionOut(BaseModel):
    appeal: AppealOut
    reversal: DecisionOut | None  # the allow decision sent to the webhooks


def _apply_disabled(runtime: Runtime, public_ids: tuple[str, ...]) -> None:
    """Make the running engine stop matching entries a reversal disabled."""
    if not public_ids:
        return
    store = runtime.store
    refs = store.entry_ids(public_ids)
    runtime.refresh({ref: store.get_entry(pid) for pid, ref in refs.items()})


@router.post(
    "/notices/{notice_id}/appeal",
    status_code=201,
    dependencies=_JSON,
    responses={201: {"model": AppealOut}, **ERROR_RESPONSES},
    summary="Appeal a notice on the user's behalf (once; 409 if appealed already)",
)
def file_appeal(
    request: Request, notice_id: str, body: AppealIn, caller: Platform
) -> dict[str, Any]:
    desk = AppealDesk(runtime_of(request).store)
    return appeal_as_dict(desk.file(notice_id, body.statement, actor=caller.actor))


@router.get(
    "/appeals",
    responses={200: {"model": AppealsOut}, **ERROR_RESPONSES},
    summary="A page of appeals, oldest first",
)
def list_appeals(
    request: Request,
    _caller: Readers,
    status: Literal["open", "upheld", "reversed", "all"] = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    appeals = runtime_of(request).store.appeals
    wanted = None if status == "all" else AppealStatus(status)
    return {
        "appeals": [
            appeal_as_dict(a)
            for a in appeals.list_appeals(status=wanted, offset=offset, limit=limit)
        ],
        "offset": offset,
        "limit": limit,
        "total": appeals.count(status=wanted),
    }


@router.get(
    "/appeals/{appeal_id}",
    responses={200: {"model": AppealOut}, **ERROR_RESPONSES},
    summary="One appeal, with its outcome once decided",
)
def get_appeal(request: Request, appeal_id: str, _caller: OneReader) -> dict[str, Any]:
    return appeal_as_dict(runtime_of(request).store.appeals.get(appeal_id))


@router.post(
    "/appeals/{appeal_id}/decision",
    dependencies=_JSON,
    responses={200: {"model": AppealDecisionOut}, **ERROR_RESPONSES},
    summary="Uphold or reverse an open appeal (409 if decided, or if you took part in the "
    "decision under appeal)",
)
def decide_appeal(
    request: Request, appeal_id: str, body: AppealDecisionIn, caller: Moderator
) -> dict[str, Any]:
    runtime = runtime_of(request)
    desk = runtime.appeal_desk()
    result = desk.decide(appeal_id, AppealOutcome(body.outcome), body.reason, actor=caller.actor)
    _apply_disabled(runtime, result.appeal.disabled_entries)
    reversal = result.reversal
    return {
        "appeal": appeal_as_dict(result.appeal),
        "reversal": None if reversal is None else decision_as_dict(reversal),
    }
