"""Request and response bodies. Requests forbid unknown fields, so a typo is a 422 naming
it rather than a silently ignored attribute."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ombuds.domain import AttributeValue

MAX_BATCH = 1_000
_ID = Field(min_length=1, max_length=512)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentIn(_Strict):
    """One item: `text` for kind text, `data_base64` (standard alphabet) for image and file."""

    content_id: str = _ID
    kind: Literal["text", "image", "file"] = "text"
    text: str | None = None
    data_base64: str | None = None
    filename: str | None = Field(default=None, max_length=1024)
    author_id: str = Field(default="", max_length=512)
    conversation_id: str = Field(default="", max_length=512)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


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
    notice: NoticeOut | None


class BatchOut(BaseModel):
    decisions: list[DecisionOut]


class BankIn(_Strict):
    name: str = Field(min_length=1, max_length=200, pattern=r"^\S+$")
    category: str = Field(min_length=1, max_length=200)
    description: str = ""
    threshold: int | None = Field(default=None, ge=0)


class BankOut(BaseModel):
    name: str
    category: str
    description: str
    threshold: int | None
    entries: int


class BanksOut(BaseModel):
    banks: list[BankOut]


class EntryIn(_Strict):
    """A signal to bank; its author is the calling key's name."""

    signal_type: str = Field(min_length=1)
    value: str = Field(min_length=1)
    category: str | None = None
    provenance: str = "api"
    reason: str = ""
    tags: list[str] = Field(default_factory=list)
    expires_at: datetime | None = None


class EntriesIn(_Strict):
    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_BATCH)


class EntryOut(BaseModel):
    public_id: str
    signal_type: str
    value: str
    category: str
    provenance: str
    author: str
    reason: str
    tags: list[str]
    expires_at: datetime | None
    enabled: bool


class EntriesOut(BaseModel):
    entries: list[EntryOut]
    offset: int
    limit: int
    total: int


class AddedOut(BaseModel):
    added: list[EntryOut]


class HealthOut(BaseModel):
    status: Literal["live", "ready"]
