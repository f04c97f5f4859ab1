"""Notices: the statement of reasons owed for every restriction, and its DSA export.

A platform reads the notices of the content it submitted (to show its users); moderators
and auditors read them all. `GET /v1/notices/{id}/dsa` is the same notice in the DSA
Transparency Database's statement-of-reasons format, mapped with the operator's DSA profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from ombuds.engine.accountability_views import notice_record_as_dict
from ombuds.engine.dsa import load_profile, statement
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/notices", tags=["notices"])

Readers = Annotated[Caller, Depends(allow(Role.PLATFORM, Role.MODERATOR, Role.AUDITOR))]


class NoticeRecordOut(BaseModel):
    """What was restricted and how, why (category, policy, ground, the public ids of the
    rules or bank entries that matched), whether machines detected and decided it, and how
    to appeal; with whether it still stands and its appeal, if any."""

    notice_id: str
    decision_id: str
    content_id: str
    content_kind: str
    author_id: str
    action: Literal["label", "review", "block"]
    category: str
    policy: str
    ground: str
    automated_detection: bool
    automated_decision: bool
    human_review: bool  # a moderator decided the decision's review case
    matched: list[str]
    how_to_appeal: str
    created_at: datetime
    superseded_by: str | None
    appeal_id: str | None
    appeal_status: Literal["open", "upheld", "reversed"] | None


class DsaStatementOut(BaseModel):
    """A statement of reasons as the DSA Transparency Database's API takes it (`POST
    /api/v1/statement`); field names and values are the database's."""

    decision_visibility: list[str]
    decision_ground: str
    incompatible_content_ground: str
    incompatible_content_explanation: str
    content_type: list[str]
    content_type_other: str | None = None
    category: str
    territorial_scope: list[str]
    content_date: str
    application_date: str
    decision_facts: str
    source_type: str
    automated_detection: Literal["Yes", "No"]
    automated_decision: str
    puid: str
    decision_ground_reference_url: str | None = None


@router.get(
    "/{notice_id}",
    responses={200: {"model": NoticeRecordOut}, **ERROR_RESPONSES},
    summary="A notice: what was restricted, why, on what ground, and how to appeal",
)
def get_notice(request: Request, notice_id: str, _caller: Readers) -> dict[str, Any]:
    return notice_record_as_dict(runtime_of(request).store.notices.get(notice_id))


@router.get(
    "/{notice_id}/dsa",
    responses={200: {"model": DsaStatementOut}, **ERROR_RESPONSES},
    summary="The notice as a DSA Transparency Database statement of reasons",
    description="409 (field `category` or `dsa_profile`) when the operator's DSA profile "
    "does not map the notice's category: Ombuds does not guess a category.",
)
def get_notice_dsa(request: Request, notice_id: str, _caller: Readers) -> dict[str, Any]:
    store = runtime_of(request).store
    record = store.notices.get(notice_id)
    return statement(record, load_profile(store))
