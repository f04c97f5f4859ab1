"""The ledger over HTTP, for auditors and admins: filtered pages, and verification.

`GET /v1/ledger/verify` answers 200 either way: a broken chain is the answer to the
question asked, not a failed request; `ok` is false and `bad_seq` names the first bad entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, overload

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ombuds.errors import InputError
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.records.ledger import LedgerQuery
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

Auditors = Annotated[Caller, Depends(allow(Role.AUDITOR, Role.ADMIN))]
MAX_SEQ = 2**31 - 1  # the seq column is a 32-bit integer on PostgreSQL
_Text = Query(min_length=1, max_length=500, pattern=r"^[^\x00]*$")


class LedgerEntryOut(BaseModel):
    seq: int
    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    prev_digest: str
    digest: str


class LedgerPageOut(BaseModel):
    entries: list[LedgerEntryOut]
    next_after: int | None  # pass as `after` for the next page; null on the last one


class VerificationOut(BaseModel):
    ok: bool
    checked: int
    head_seq: int
    head_digest: str
    decisions_checked: int
    bad_seq: int | None
    problem: str


@overload
def as_utc(value: datetime, field: str) -> datetime: ...
@overload
def as_utc(value: datetime | None, field: str) -> datetime | None: ...
def as_utc(value: datetime | None, field: str) -> datetime | None:
    """Naive times are taken as UTC, as the CLI does."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    except OverflowError:
        raise InputError("time out of range", field=field) from None


@router.get(
    "",
    responses={200: {"model": LedgerPageOut}, **ERROR_RESPONSES},
    summary="A page of ledger entries, oldest first, filtered",
)
def list_entries(
    request: Request,
    _caller: Auditors,
    kind: Annotated[str | None, _Text] = None,
    actor: Annotated[str | None, _Text] = None,
    subject: Annotated[str | None, _Text] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    query = LedgerQuery(
        kind=kind,
        actor=actor,
        subject=subject,
        since=as_utc(since, "since"),
        until=as_utc(until, "until"),
        after=after,
        limit=limit,
    )
    entries = runtime_of(request).store.ledger_entries(query)
    full = len(entries) == limit
    return {
        "entries": [e.as_dict() for e in entries],
        "next_after": entries[-1].seq if full else None,
    }


@router.get(
    "/verify",
    responses={200: {"model": VerificationOut}, **ERROR_RESPONSES},
    summary="Verify the chain (and the decisions it commits to); names the first bad entry",
)
def verify(
    request: Request,
    _caller: Auditors,
    decisions: Annotated[bool, Query(description="Also recheck every decision row.")] = True,
) -> dict[str, Any]:
    return runtime_of(request).store.verify_ledger(decisions=decisions).as_dict()
