"""Bodies of the bank routes. Requests forbid unknown fields (see models.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ombuds.interfaces.api.models import MAX_BATCH

_NAME = Field(min_length=1, max_length=200, pattern=r"^\S+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BankIn(_Strict):
    name: str = _NAME
    category: str = Field(min_length=1, max_length=200)
    description: str = ""
    threshold: int | None = Field(default=None, ge=0)


class BankPatch(_Strict):
    """The settings to change; `threshold: null` goes back to the signal type's default.
    A bank's category is the default of entries added later: stored entries keep theirs."""

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^\S+$")
    category: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
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
    expires_at: AwareDatetime | None = None
    enabled: bool = True
    disabled_until: AwareDatetime | None = None


class EntriesIn(_Strict):
    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_BATCH)


class EntryStateIn(_Strict):
    """`enabled` alone sets the state for good (and clears `disabled_until`); with
    `disabled_until` the entry stays out of matching until that time, then matches again by
    itself. `reason` goes to the ledger."""

    enabled: bool | None = None
    disabled_until: AwareDatetime | None = None
    reason: str = Field(default="", max_length=2000)


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
    disabled_until: datetime | None
    active: bool = Field(description="Whether the entry matches now.")


class EntriesOut(BaseModel):
    entries: list[EntryOut]
    offset: int
    limit: int
    total: int


class AddedOut(BaseModel):
    added: list[EntryOut]


class ImportOut(BaseModel):
    shape: str = Field(description="`ombuds` or `hma`, from the file's header.")
    added: int
    skipped: int = Field(description="Rows whose signal the bank held already.")
    repeated: int = Field(description="Rows whose signal came earlier in the same file.")
