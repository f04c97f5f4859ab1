"""Data access requests from authorities and third parties.

An admin registers a request (who asks, on what legal basis, about which authors or
items); a different admin or an auditor approves or refuses it (two-person rule: the
registrant's own review is a 409); only then can an admin disclose it, and every disclosure
is recorded with the decision ids handed over and the SHA-256 of the exact JSON lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ombuds.domain.data_request import DataScope, PartyKind, RequestStatus
from ombuds.engine.accountability import disclose, register
from ombuds.engine.accountability_views import data_request_as_dict, disclosure_as_dict
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.records.repos.data_requests import MAX_SCOPE_IDS
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/data-requests", tags=["data requests"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Reviewer = Annotated[Caller, Depends(allow(Role.ADMIN, Role.AUDITOR))]
_JSON = [Depends(media_type("application/json"))]
_TEXT = r"^[^\x00]*$"  # PostgreSQL text has no NUL
Id = Annotated[str, Field(min_length=1, max_length=512, pattern=_TEXT)]


class ScopeIn(BaseModel):
    """Decisions about these authors or content items (at least one id), optionally in
    [since, until)."""

    model_config = ConfigDict(extra="forbid")

    author_ids: list[Id] = Field(default_factory=list, max_length=MAX_SCOPE_IDS)
    content_ids: list[Id] = Field(default_factory=list, max_length=MAX_SCOPE_IDS)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class DataRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requesting_party: str = Field(min_length=1, max_length=4_000, pattern=_TEXT)
    party_kind: Literal["authority", "third_party"]
    legal_basis: str = Field(min_length=1, max_length=4_000, pattern=_TEXT)
    scope: ScopeIn
    description: str = Field(default="", max_length=4_000, pattern=_TEXT)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["approved", "refused"]
    reason: str = Field(default="", max_length=4_000, pattern=_TEXT)


class ScopeOut(BaseModel):
    author_ids: list[str]
    content_ids: list[str]
    since: datetime | None
    until: datetime | None


class DataRequestOut(BaseModel):
    request_id: str
    requesting_party: str
    party_kind: Literal["authority", "third_party"]
    legal_basis: str
    scope: ScopeOut
    description: str
    registered_by: str
    registered_at: datetime
    status: Literal["pending", "approved", "refused", "disclosed"]
    reviewed_by: str
    reviewed_at: datetime | None
    review_reason: str


class DataRequestsOut(BaseModel):
    requests: list[DataRequestOut]
    offset: int
    limit: int
    total: int


class DisclosureOut(BaseModel):
    disclosure_id: str
    request_id: str
    disclosed_by: str
    disclosed_at: datetime
    decision_ids: list[str]
    sha256: str


class DisclosedOut(BaseModel):
    """`jsonl` is exactly what `sha256` was computed over (UTF-8), one decision a line."""

    disclosure: DisclosureOut
    jsonl: str


class DisclosuresOut(BaseModel):
    disclosures: list[DisclosureOut]


@router.post(
    "",
    status_code=201,
    dependencies=_JSON,
    responses={201: {"model": DataRequestOut}, **ERROR_RESPONSES},
    summary="Register a request from an authority or third party (pending until reviewed)",
)
def register_request(request: Request, body: DataRequestIn, caller: Admin) -> dict[str, Any]:
    scope = DataScope(
        author_ids=tuple(body.scope.author_ids),
        content_ids=tuple(body.scope.content_ids),
        since=body.scope.since,
        until=body.scope.until,
    )
    registered = register(
        runtime_of(request).store,
        requesting_party=body.requesting_party,
        party_kind=PartyKind(body.party_kind),
        legal_basis=body.legal_basis,
        scope=scope,
        description=body.description,
        actor=caller.actor,
    )
    return data_request_as_dict(registered)


@router.get(
    "",
    responses={200: {"model": DataRequestsOut}, **ERROR_RESPONSES},
    summary="A page of data requests, oldest first",
)
def list_requests(
    request: Request,
    _caller: Reviewer,
    status: Literal["pending", "approved", "refused", "disclosed", "all"] = "all",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    repo = runtime_of(request).store.data_requests
    wanted = None if status == "all" else RequestStatus(status)
    page = repo.list_requests(status=wanted, offset=offset, limit=limit)
    return {
        "requests": [data_request_as_dict(r) for r in page],
        "offset": offset,
        "limit": limit,
        "total": repo.count(status=wanted),
    }


@router.get(
    "/{request_id}",
    responses={200: {"model": DataRequestOut}, **ERROR_RESPONSES},
    summary="One data request",
)
def get_request(request: Request, request_id: str, _caller: Reviewer) -> dict[str, Any]:
    return data_request_as_dict(runtime_of(request).store.data_requests.get(request_id))


@router.post(
    "/{request_id}/review",
    dependencies=_JSON,
    responses={200: {"model": DataRequestOut}, **ERROR_RESPONSES},
    summary="Approve or refuse a pending request (409 for its own registrant)",
)
def review_request(
    request: Request, request_id: str, body: ReviewIn, caller: Reviewer
) -> dict[str, Any]:
    reviewed = runtime_of(request).store.data_requests.review(
        request_id, approve=body.outcome == "approved", reason=body.reason, actor=caller.actor
    )
    return data_request_as_dict(reviewed)


@router.post(
    "/{request_id}/disclosures",
    status_code=201,
    responses={201: {"model": DisclosedOut}, **ERROR_RESPONSES},
    summary="Disclose what an approved request covers, and record it (409 unless approved)",
)
def disclose_request(request: Request, request_id: str, caller: Admin) -> dict[str, Any]:
    disclosure, data = disclose(runtime_of(request).store, request_id, actor=caller.actor)
    return {"disclosure": disclosure_as_dict(disclosure), "jsonl": data.decode("utf-8")}


@router.get(
    "/{request_id}/disclosures",
    responses={200: {"model": DisclosuresOut}, **ERROR_RESPONSES},
    summary="What was disclosed under a request, and by whom",
)
def list_disclosures(request: Request, request_id: str, _caller: Reviewer) -> dict[str, Any]:
    found = runtime_of(request).store.data_requests.disclosures(request_id)
    return {"disclosures": [disclosure_as_dict(d) for d in found]}
