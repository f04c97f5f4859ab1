"""What the ledger holds: entries, the kinds of entry, and the result of a verification."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Kind:
    """Entry kinds. Strings, not an enum: helpers ledger new kinds without a migration."""

    DECISIONS = "decisions"  # one batch of recorded decisions, committed to by digest
    BANK_CREATE = "bank.create"
    BANK_DELETE = "bank.delete"
    BANK_ADD = "bank.add"  # entries added (API, CLI, a reviewer's confirmation)
    BANK_IMPORT = "bank.import"  # a file streamed in
    BANK_REMOVE = "bank.remove"
    BANK_ENTRY_STATE = "bank.entry_state"  # enabled, disabled or disabled until a time
    BANK_UPDATE = "bank.update"  # a bank's name, category, description or threshold changed
    LEXICON_SAVE = "lexicon.save"
    LEXICON_DELETE = "lexicon.delete"
    POLICY_SAVE = "policy.save"
    POLICY_DELETE = "policy.delete"
    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    KEY_USE = "key_use"  # request counts per key, route and status, flushed periodically
    WEBHOOK_CREATE = "webhook.create"
    WEBHOOK_DELETE = "webhook.delete"
    CASE_DECIDE = "case.decide"
    PURGE = "purge"  # one retention batch
    REPORT_TRANSPARENCY = "report.transparency"  # a released report: its payload is the report


@dataclass(frozen=True, slots=True)
class Record:
    """An entry to append: the caller says what happened; the ledger numbers and chains it."""

    kind: str
    actor: str
    subject: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    prev_digest: str
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "actor": self.actor,
            "subject": self.subject,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
            "prev_digest": self.prev_digest,
            "digest": self.digest,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of `verify`: ok, or the first bad entry's seq and why it is bad."""

    checked: int  # entries found good
    head_seq: int  # the newest good seq (0 for an empty ledger)
    head_digest: str  # its digest: publish it, and later checks can prove nothing was rewritten
    decisions_checked: int = 0  # decision rows whose digest was recomputed
    bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "head_digest": self.head_digest,
            "decisions_checked": self.decisions_checked,
            "bad_seq": self.bad_seq,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class LedgerQuery:
    """Filters for reading the ledger; all optional, combined with AND."""

    kind: str | None = None
    actor: str | None = None
    subject: str | None = None
    since: datetime | None = None  # created_at >= since
    until: datetime | None = None  # created_at < until
    after: int = 0  # cursor: entries with seq > after
    limit: int = 100
