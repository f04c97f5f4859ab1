"""The tables, as SQLAlchemy 2 typed declarative classes.

Rows stay inside the records package: repositories turn them into domain objects.
Any change here needs a new migration in `migrations/versions/`; a test compares the
migrated schema with this metadata on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ombuds.records.types import UTCDateTime, utcnow

# Deterministic constraint names: future migrations (and SQLite batch mode) refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        str: String(),
        Any: JSON(),
    }


class BankRow(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    category: Mapped[str]
    description: Mapped[str] = mapped_column(Text, default="")
    threshold: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankEntryRow(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "signal_value"),
        # Index loading and "which banks hold this signal" look up by signal, across banks.
        Index(None, "signal_type", "signal_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    signal_type: Mapped[str]
    signal_value: Mapped[str]
    category: Mapped[str]
    provenance: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[Any] = mapped_column(default=list)
    expires_at: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_until: Mapped[datetime | None]
    public_id: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LexiconRow(Base):
    __tablename__ = "lexicons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    separator_insensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LexiconRuleRow(Base):
    __tablename__ = "lexicon_rules"
    __table_args__ = (UniqueConstraint("lexicon_id", "rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lexicon_id: Mapped[int] = mapped_column(ForeignKey("lexicons.id", ondelete="CASCADE"))
    # Rules come back in file order, so exports diff cleanly against what was imported.
    position: Mapped[int]
    rule_id: Mapped[str]
    kind: Mapped[str]
    category: Mapped[str]
    terms: Mapped[Any] = mapped_column(default=list)
    pattern: Mapped[str | None] = mapped_column(Text)


class PolicyRow(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    scope: Mapped[str] = mapped_column(Text)
    # Names, not foreign keys: a policy is a document. The store checks them on save and
    # refuses to delete a bank or lexicon a policy still names.
    banks: Mapped[Any] = mapped_column(default=list)
    lexicons: Mapped[Any] = mapped_column(default=list)
    actions: Mapped[Any] = mapped_column(default=dict)
    default_action: Mapped[str]
    ground: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    dihedral: Mapped[bool] = mapped_column(Boolean, default=False)
    confirm_bank: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index(None, "created_at"),
        Index(None, "content_id"),
        # Retention claims the oldest unpurged rows: this serves "purge_batch IS NULL AND
        # created_at < cutoff ORDER BY created_at" from the index, and a purge batch's rows.
        Index(None, "purge_batch", "created_at"),
    )

    decision_id: Mapped[str] = mapped_column(primary_key=True)
    content_id: Mapped[str]
    author_id: Mapped[str]
    conversation_id: Mapped[str]
    content_kind: Mapped[str]
    action: Mapped[str]
    reason: Mapped[str]
    tier: Mapped[str]
    category: Mapped[str]
    policy: Mapped[str]
    evidence: Mapped[Any]
    signal_types: Mapped[Any]
    signals: Mapped[Any]
    created_at: Mapped[datetime]
    elapsed_us: Mapped[float] = mapped_column(Float)
    # No foreign key: retention may purge the decision this one superseded.
    supersedes: Mapped[str | None]
    detail: Mapped[str] = mapped_column(Text)
    extra: Mapped[Any]
    # The ledger: each decision's SHA-256 over its recorded values (kept through retention
    # purges), and the batch whose ledger entry commits to it. Null on pre-ledger rows.
    digest: Mapped[str | None] = mapped_column(String(64))
    ledger_batch: Mapped[str | None] = mapped_column(index=True)
    # The retention batch that removed its personal ids (whose ledger entry commits to the
    # purged values); null until then, and a purged row is never purged again.
    purge_batch: Mapped[str | None]


class NoticeRow(Base):
    __tablename__ = "notices"

    notice_id: Mapped[str] = mapped_column(primary_key=True)
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.decision_id", ondelete="CASCADE"), unique=True
    )
    content_id: Mapped[str]
    author_id: Mapped[str]
    action: Mapped[str]
    category: Mapped[str]
    policy: Mapped[str]
    ground: Mapped[str] = mapped_column(Text)
    automated_detection: Mapped[bool] = mapped_column(Boolean)
    automated_decision: Mapped[bool] = mapped_column(Boolean)
    matched: Mapped[Any]
    how_to_appeal: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Names stay unique after revocation, so a name in the ledger always means one key.
    name: Mapped[str] = mapped_column(unique=True)
    # The public half of the token: found by index, then the secret is compared by hash.
    key_id: Mapped[str] = mapped_column(unique=True)
    secret_hash: Mapped[str]
    role: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ConsoleSessionRow(Base):
    """A web console session, found by the SHA-256 of its cookie (never the cookie itself).

    Kept in the database so a restart does not sign every moderator out. Not ledgered: a
    session is no moderation act, and what it is used for is ledgered under its key's name.
    """

    __tablename__ = "console_sessions"
    __table_args__ = (Index(None, "seen_at"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf: Mapped[str]
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    key_name: Mapped[str] = mapped_column(default="")
    key_id: Mapped[str] = mapped_column(default="")
    role: Mapped[str | None]
    flashes: Mapped[Any]  # [[kind, message], ...], shown once on the next page


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(unique=True)
    url: Mapped[str] = mapped_column(Text)
    # Kept in clear: signing needs it. Only admins can create webhooks; it is never logged.
    secret: Mapped[str]
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseRow(Base):
    __tablename__ = "cases"
    # (decision_id, status): "is this decision under an open case/appeal", which retention
    # asks of every decision it purges, from the index alone.
    __table_args__ = (Index(None, "status", "opened_at"), Index(None, "decision_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(unique=True)
    # Not unique: an appeal may reopen a decision as a new case. Retention purges the
    # decision's cases with it.
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.decision_id", ondelete="CASCADE")
    )
    content_id: Mapped[str]
    policy: Mapped[str]
    category: Mapped[str]
    status: Mapped[str]
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_salt: Mapped[str] = mapped_column(default="")  # see records.ledger.sealed
    bank: Mapped[str | None]
