"""Reading the ledger: filtered, in seq order, a page at a time (keyset paging on seq)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ombuds.errors import InputError
from ombuds.records.ledger.model import LedgerEntry, LedgerQuery
from ombuds.records.ledger.schema import LedgerEntryRow

MAX_LIMIT = 1_000


def entry_of(row: LedgerEntryRow) -> LedgerEntry:
    return LedgerEntry(
        seq=row.seq,
        kind=row.kind,
        actor=row.actor,
        subject=row.subject,
        payload=dict(row.payload),
        created_at=row.created_at,
        prev_digest=row.prev_digest,
        digest=row.digest,
    )


def _filtered(query: LedgerQuery) -> Select[LedgerEntryRow]:
    stmt = select(LedgerEntryRow).where(LedgerEntryRow.seq > query.after)
    if query.kind is not None:
        stmt = stmt.where(LedgerEntryRow.kind == query.kind)
    if query.actor is not None:
        stmt = stmt.where(LedgerEntryRow.actor == query.actor)
    if query.subject is not None:
        stmt = stmt.where(LedgerEntryRow.subject == query.subject)
    if query.since is not None:
        stmt = stmt.where(LedgerEntryRow.created_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(LedgerEntryRow.created_at < query.until)
    return stmt


def check_query(query: LedgerQuery) -> None:
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if query.after < 0:
        raise InputError("after must not be negative", field="after")
    for name in ("since", "until"):
        when = getattr(query, name)
        if when is not None and when.utcoffset() is None:
            raise InputError(f"{name} must be timezone-aware", field=name)
    for name in ("kind", "actor", "subject"):
        value = getattr(query, name)
        if value is not None and "\x00" in value:  # PostgreSQL refuses NUL in a query
            raise InputError(f"{name} must not contain NUL", field=name)


def find_entries(s: Session, query: LedgerQuery) -> list[LedgerEntry]:
    """A page of entries matching `query`, oldest first; pass the last seq as `after`."""
    check_query(query)
    stmt = _filtered(query).order_by(LedgerEntryRow.seq).limit(query.limit)
    return [entry_of(row) for row in s.scalars(stmt)]
