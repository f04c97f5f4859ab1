"""Appending to the ledger inside the caller's transaction.

The change and its entry commit together or not at all. Appends are serialised through
the head row: the first statement of an append is an UPDATE of that row, which waits for
any other open append (row lock on PostgreSQL, the write lock on SQLite) and only then
reads (or, when it guessed, checks) the tip. Callers append last in their transaction,
so the lock is held briefly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
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


@cache
def _statements() -> dict[str, Any]:
    """Built once: composing a statement costs more than running it on a small append."""
    at_head = LedgerHeadRow.id == HEAD_ID
    return {
        "advance": update(LedgerHeadRow)
        .where(
            at_head,
            LedgerHeadRow.seq == bindparam("was_seq"),
            LedgerHeadRow.digest == bindparam("was_digest"),
        )
        .values(seq=bindparam("new_seq"), digest=bindparam("new_digest")),
        "claim": update(LedgerHeadRow)
        .where(at_head)
        .values(seq=LedgerHeadRow.seq + bindparam("count"))
        .returning(LedgerHeadRow.seq, LedgerHeadRow.digest),
        "settle": update(LedgerHeadRow).where(at_head).values(digest=bindparam("new_digest")),
        "insert": insert(LedgerEntryRow),
    }


# The head each engine last wrote, a guess that saves the read of the head: an append
# first tries to move the head from this guess to its new tip in one UPDATE, which
# matches only if the guess is still the head (and then holds its lock as a claim
# would). Any other writer (a thread, a process, a rollback, a purge) makes it miss, and
# the append then claims and reads the head as usual; a wrong guess costs one statement.
_GUESSES: WeakKeyDictionary[Engine, tuple[int, str]] = WeakKeyDictionary()


def _claim(connection: Connection, count: int) -> tuple[int, str]:
    """Reserve `count` seqs; returns the seq and digest of the entry before them."""
    stmt = _statements()["claim"]
    row = connection.execute(stmt, {"count": count}).one_or_none()
    if row is None:
        _create_head(connection)
        row = connection.execute(stmt, {"count": count}).one()
    return int(row[0]) - count, str(row[1])


def _create_head(connection: Connection) -> None:
    """Create the head row from the newest entry (a new database, or one emptied by hand)."""
    tip = connection.execute(
        select(LedgerEntryRow.seq, LedgerEntryRow.digest).order_by(LedgerEntryRow.seq.desc())
    ).first()
    values = {"id": HEAD_ID, "seq": 0, "digest": GENESIS}
    if tip is not None:
        values.update(seq=int(tip[0]), digest=str(tip[1]))
    # Two first appends may race to create it: the loser's insert does nothing and its
    # UPDATE then queues behind the winner's.
    make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(make(LedgerHeadRow).values(values).on_conflict_do_nothing())


def _chain(
    records: Sequence[Record], payloads: list[dict[str, Any]], seq: int, prev: str, at: datetime
) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    for record, payload in zip(records, payloads, strict=True):
        seq += 1
        digest = entry_digest(
            seq=seq,
            kind=record.kind,
            actor=record.actor,
            subject=record.subject,
            payload=payload,
            created_at=at,
            prev_digest=prev,
        )
        entries.append(
            LedgerEntry(seq, record.kind, record.actor, record.subject, payload, at, prev, digest)
        )
        prev = digest
    return entries


def _advanced(connection: Connection, guess: tuple[int, str], tip: LedgerEntry) -> bool:
    """Move the head from `guess` to `tip` if the guess is still the head."""
    params = {"was_seq": guess[0], "was_digest": guess[1], "new_seq": tip.seq}
    moved = connection.execute(_statements()["advance"], {**params, "new_digest": tip.digest})
    return moved.rowcount == 1


def append_many(
    session: Session, records: Sequence[Record], *, now: datetime | None = None
) -> list[LedgerEntry]:
    """Append entries in order, in the session's transaction; returns them chained.

    Two statements when this engine wrote the head last (move the head, insert the
    entries), four otherwise (claim and read the head, insert, settle the head's digest).
    """
    if not records:
        return []
    for record in records:
        # Every change is somebody's: an entry without an actor would defeat the ledger.
        if not record.actor.strip() or not record.kind.strip():
            raise ValueError(f"a ledger entry needs a kind and an actor: {record!r}")
    created_at = now or utcnow()
    payloads: list[dict[str, Any]] = [plain(dict(r.payload)) for r in records]
    connection = session.connection()
    guess = _GUESSES.get(connection.engine)
    entries: list[LedgerEntry] | None = None
    if guess is not None:
        entries = _chain(records, payloads, *guess, created_at)
        if not _advanced(connection, guess, entries[-1]):
            entries = None
    if entries is None:
        seq, prev = _claim(connection, len(records))
        entries = _chain(records, payloads, seq, prev, created_at)
        connection.execute(_statements()["settle"], {"new_digest": entries[-1].digest})
    connection.execute(_statements()["insert"], [_entry_values(e) for e in entries])
    # Only a guess: a rollback of this transaction makes the next append miss, not fork.
    _GUESSES[connection.engine] = (entries[-1].seq, entries[-1].digest)
    return entries


def _entry_values(e: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "actor": e.actor,
        "subject": e.subject,
        "payload": e.payload,
        "created_at": e.created_at,
        "prev_digest": e.prev_digest,
        "digest": e.digest,
    }


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
