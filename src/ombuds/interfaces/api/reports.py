"""Transparency reports over HTTP: admins release them (spending privacy budget), auditors
and admins read them. A report is a ledger entry; its `seq` finds it in `/v1/ledger`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ombuds.engine.transparency import (
    MAX_CONTRIBUTIONS,
    MAX_EPSILON,
    MIN_EPSILON,
    ReportRequest,
    release,
)
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.ledger import as_utc
from ombuds.records.ledger import LedgerEntry
from ombuds.records.reports import Window
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Admins = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.AUDITOR, Role.ADMIN))]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime = Field(description="Window start (UTC if no offset).")
    until: datetime = Field(description="Window end, exclusive.")
    epsilon: float = Field(
        1.0, ge=MIN_EPSILON, le=MAX_EPSILON, description="Privacy loss this release spends."
    )
    contributions: int = Field(
        10, ge=1, le=MAX_CONTRIBUTIONS, description="Rows one author may add to a section."
    )


class SectionOut(BaseModel):
    epsilon: float
    scale: float
    accuracy_95: float
    counts: dict[str, int]


class ReportOut(BaseModel):
    seq: int
    format: str
    since: str
    until: str
    epsilon: float
    contributions_per_author: int
    unit_of_privacy: str
    mechanism: str
    sections: dict[str, SectionOut]


class ReportListOut(BaseModel):
    reports: list[ReportOut]


def _out(entry: LedgerEntry) -> dict[str, Any]:
    return {"seq": entry.seq, **entry.payload}


@router.post(
    "/transparency",
    status_code=201,
    responses={
        200: {"model": ReportOut, "description": "Released before with these parameters."},
        201: {"model": ReportOut, "description": "Released now."},
        **ERROR_RESPONSES,
    },
    summary="Release the transparency report for a window (409 when over budget)",
)
def release_report(
    body: ReportIn, request: Request, response: Response, caller: Admins
) -> dict[str, Any]:
    runtime = runtime_of(request)
    window = Window(as_utc(body.since, "since"), as_utc(body.until, "until"))
    entry, new = release(
        runtime.store,
        ReportRequest(window, body.epsilon, body.contributions),
        budget=runtime.settings.report_epsilon_budget,
        actor=caller.actor,
    )
    if not new:
        response.status_code = 200
    return _out(entry)


@router.get(
    "/transparency",
    responses={200: {"model": ReportListOut}, **ERROR_RESPONSES},
    summary="Every transparency report released, oldest first",
)
def list_reports(request: Request, _caller: Readers) -> dict[str, Any]:
    return {"reports": [_out(e) for e in runtime_of(request).store.reports.releases()]}
