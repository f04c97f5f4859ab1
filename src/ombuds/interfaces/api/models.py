"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming
it rather than a silently ignored attribute."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ombuds.domain import AttributeValue

MAX_BATCH = 1_000
# Ids are stored with the decision: no NUL, which PostgreSQL refuses in text (a 422 here,
# not a failed write later).
NO_NUL = r"^[^\x00]*$"
_ID = Field(min_length=1, max_length=512, pattern=NO_NUL)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentIn(_Strict):
    """One item: `text` for kind text, `data_base64` (standard alphabet) for image and file."""

    content_id: str = _ID
    kind: Literal["text", "image", "file"] = "text"
    text: str | None = None
    data_base64: str | None = None
    filename: str | None = Field(default=None, max_length=1024)
    author_id: str = Field(default="", max_length=512, pattern=NO_NUL)
    conversation_id: str = Field(default="", max_length=512, pattern=NO_NUL)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    preview_url: str | None = Field(
        default=None,
        max_length=2048,
        pattern=r"^https?://[^\s\x00]+$",
        description="A thumbnail the platform serves to reviewers; the console shows it "
        "blurred until revealed. Ombuds never fetches it.",
    )


class BatchIn(_Strict):
    items: list[ContentIn] = Field(min_length=1, max_length=MAX_BATCH)


class EvidenceOut(BaseModel):
    """What matched, with what a reviewer needs to see it: the bank entry and distance, the
    words and their spans, where the text came from and, for OCR, the word boxes."""

    source: str
    name: str
    rule_id: str
    category: str
    signal_type: str
    distance: int | None
    matched_text: list[str]
    spans: list[list[int]]
    via: str
    transform: str
    boxes: list[list[int]]


class NoticeOut(BaseModel):
    notice_id: str
    decision_id: str
    content_id: str
    author_id: str
    action: str
    category: str
    policy: str
    ground: str
    automated_detection: bool
    automated_decision: bool
    matched: list[str]
    how_to_appeal: str
    created_at: str


class DecisionOut(BaseModel):
    """`ombuds.engine.serialize.decision_as_dict`, the shape the CLI's JSON lines share."""

    model_config = ConfigDict(extra="forbid")

    decision_id: str
    content_id: str
    content_kind: str
    action: Literal["allow", "label", "review", "block"]
    reason: Literal["out_of_scope", "no_match", "matched", "unscannable"]
    tier: Literal["inline", "deferred"]
    category: str
    policy: str
    evidence: list[EvidenceOut]
    signal_types: list[str]
    elapsed_us: float
    detail: str
    supersedes: str | None = None
    notice: NoticeOut | None


class BatchOut(BaseModel):
    decisions: list[DecisionOut]


class HealthOut(BaseModel):
    status: Literal["live", "ready"]
