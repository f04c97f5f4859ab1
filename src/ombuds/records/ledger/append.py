"""Appending to the ledger inside the caller's transaction.

The change and its entry commit together or not at all. Appends are serialised through
the head row: the first statement of an append is an UPDATE of that row, which waits for
any other open append (row lock on PostgreSQL, the write lock on SQLite) and only then
reads the tip. Callers append last in their transaction, so the lock is held briefly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ombuds.records.ledger.chain import GENESIS, entry_digest, plain
from ombuds.records.ledger.model import LedgerEntry, Record
from ombuds.records.ledger.schema import LedgerEntryRow, LedgerHeadRow
from ombuds.records.types import utcnow

HEAD_ID = 1


def write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now, so rows this transaction reads next
    cannot change before it writes. PostgreSQL callers lock the rows they read instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        # A write statement takes the lock even when it matches no row.
        session.execute(
            update(LedgerHeadRow)
            .where(LedgerHeadRow.id == HEAD_ID)
            .values(seq=LedgerHeadRow.seq)
            .execution_options(synchronize_session=False)
        )


def _claim(session: Session, count: int) -> tuple[int, str]:
    """Reserve `count` seqs; returns the seq and digest of the entry before them."""
    stmt = (
        update(LedgerHeadRow)
        .where(LedgerHeadRow.id == HEAD_ID)
        .values(seq=LedgerHeadRow.seq + count)
        .returning(LedgerHeadRow.seq, LedgerHeadRow.digest)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        _create_head(session)
        row = session.execute(stmt).one()
    return int(row[0]) - count, str(row[1])


def _create_head(session: Session) -> None:
    """Create the head row from the newest entry (a new database, or one emptied by hand)."""
    tip = session.execute(
        select(LedgerEntryRow.seq, LedgerEntryRow.digest).order_by(LedgerEntryRow.seq.desc())
    ).first()
    values = {"id": HEAD_ID, "seq": 0, "digest": GENESIS}
    if tip is not None:
        values.update(seq=int(tip[0]), digest=str(tip[1]))
    dialect = session.get_bind().dialect.name
    # Two first appends may race to create it: the loser's insert does nothing and its
    # UPDATE then queues behind the winner's.
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(make(LedgerHeadRow).values(values).on_conflict_do_nothing())


def append_many(
    session: Session, records: Sequence[Record], *, now: datetime | None = None
) -> list[LedgerEntry]:
    """Append entries in order, in the session's transaction; returns them chained."""
    if not records:
        return []
    for record in records:
        # Every change is somebody's: an entry without an actor would defeat the ledger.
        if not record.actor.strip() or not record.kind.strip():
            raise ValueError(f"a ledger entry needs a kind and an actor: {record!r}")
    created_at = now or utcnow()
    seq, prev = _claim(session, len(records))
    entries: list[LedgerEntry] = []
    for record in records:
        seq += 1
        payload: dict[str, Any] = plain(dict(record.payload))
        digest = entry_digest(
            seq=seq,
            kind=record.kind,
            actor=record.actor,
            subject=record.subject,
            payload=payload,
            created_at=created_at,
            prev_digest=prev,
        )
        entries.append(
            LedgerEntry(
                seq, record.kind, record.actor, record.subject, payload, created_at, prev, digest
            )
        )
        prev = digest
    session.execute(
        insert(LedgerEntryRow),
        [
            {
                "seq": e.seq,
                "kind": e.kind,
                "actor": e.actor,
                "subject": e.subject,
                "payload": e.payload,
                "created_at": e.created_at,
                "prev_digest": e.prev_digest,
                "digest": e.digest,
            }
            for e in entries
        ],
    )
    session.execute(
        update(LedgerHeadRow)
        .where(LedgerHeadRow.id == HEAD_ID)
        .values(digest=prev)
        .execution_options(synchronize_session=False)
    )
    return entries


def append(
    session: Session,
    kind: str,
    *,
    actor: str,
    subject: str = "",
    payload: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> LedgerEntry:
    """Append one entry in the session's transaction."""
    record = Record(kind, actor, subject, payload or {})
    return append_many(session, [record], now=now)[0]
