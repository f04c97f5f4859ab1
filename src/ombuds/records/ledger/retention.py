"""Retention: after the configured time, decisions lose the personal ids they carried.

Removed: the author and conversation ids of decisions and notices, and the text evidence
holds (terms found in a message, an image's OCR or a document, with their offsets and
boxes). Kept: what was decided, why and when, and every digest. Each batch is one
transaction that purges rows and appends a `purge` entry committing to their new values,
so an interrupted purge resumes where it stopped and `verify` still passes afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from ombuds.errors import ConflictError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger.append import append, write_lock
from ombuds.records.ledger.chain import root
from ombuds.records.ledger.model import Kind
from ombuds.records.repos.common import Sessions
from ombuds.records.repos.decisions import row_digest
from ombuds.records.schema import DecisionRow, NoticeRow

BATCH = 1_000


@dataclass(frozen=True, slots=True)
class PurgeBatch:
    batch: str
    decisions: int
    notices: int


def scrub_evidence(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence without the content-derived text: which rule or entry matched stays."""
    return [{**e, "matched_text": [], "spans": [], "boxes": []} for e in evidence]


def _eligible(cutoff: datetime) -> Any:
    return (DecisionRow.purge_batch.is_(None), DecisionRow.created_at < cutoff)


def count_due(sessions: Sessions, cutoff: datetime) -> int:
    with sessions() as s:
        stmt = select(func.count()).select_from(DecisionRow).where(*_eligible(cutoff))
        return int(s.scalar(stmt) or 0)


def _claim(s: Session, cutoff: datetime, size: int) -> list[tuple[DecisionRow, NoticeRow | None]]:
    stmt = (
        select(DecisionRow, NoticeRow)
        .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
        .where(*_eligible(cutoff))
        .order_by(DecisionRow.created_at, DecisionRow.decision_id)
        .limit(size)
        # Two purges at once (PostgreSQL) take different rows instead of waiting; SQLite
        # needs no such clause, its write lock is taken before this read.
        .with_for_update(of=DecisionRow, skip_locked=True)
    )
    return [(d, n) for d, n in s.execute(stmt).all()]


def _purge_batch(s: Session, cutoff: datetime, size: int, actor: str, run: str) -> PurgeBatch:
    write_lock(s)
    rows = _claim(s, cutoff, size)
    batch = new_public_id("pb")
    if not rows:
        return PurgeBatch(batch, 0, 0)
    for d, n in rows:
        # Purging a row that was edited would launder the edit: its new values would be
        # committed to by the purge entry. Refuse, and let `verify` name the batch.
        if d.digest is not None and row_digest(d, n) != d.digest:
            raise ConflictError(
                f"decision {d.decision_id} does not match its digest: run `ombuds ledger "
                "verify` before purging",
                field="decision_id",
            )
    table = DecisionRow.__table__
    assert isinstance(table, Table)
    values = [
        {"pk": d.decision_id, "scrubbed": scrub_evidence(list(d.evidence)), "pb": batch}
        for d, _ in rows
    ]
    s.connection().execute(
        update(table)
        .where(table.c.decision_id == bindparam("pk"))
        .values(
            author_id="",
            conversation_id="",
            evidence=bindparam("scrubbed", type_=table.c.evidence.type),
            purge_batch=bindparam("pb"),
        ),
        values,
    )
    notice_ids = [n.notice_id for _, n in rows if n is not None]
    if notice_ids:
        s.execute(
            update(NoticeRow)
            .where(NoticeRow.notice_id.in_(notice_ids))
            .values(author_id="")
            .execution_options(synchronize_session=False)
        )
    s.expire_all()
    purged = _reread(s, batch)
    payload = {
        "run": run,
        "batch": batch,
        "cutoff": cutoff,
        "count": len(purged),
        "notices": len(notice_ids),
        "root": root([row_digest(d, n) for d, n in purged]),
    }
    append(s, Kind.PURGE, actor=actor, subject=batch, payload=payload)
    return PurgeBatch(batch, len(purged), len(notice_ids))


def _reread(s: Session, batch: str) -> list[tuple[DecisionRow, NoticeRow | None]]:
    """The purged rows as stored: the digests committed to are of what `verify` will read."""
    stmt = (
        select(DecisionRow, NoticeRow)
        .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
        .where(DecisionRow.purge_batch == batch)
        .order_by(DecisionRow.decision_id)
    )
    return [(d, n) for d, n in s.execute(stmt).all()]


def purge(
    sessions: Sessions,
    cutoff: datetime,
    *,
    actor: str,
    batch_size: int = BATCH,
    on_batch: Callable[[PurgeBatch], None] | None = None,
) -> int:
    """Purge every decision recorded before `cutoff`, a batch per transaction; returns how
    many were purged by this call. Safe to interrupt and to run again.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    run = new_public_id("pr")
    total = 0
    while True:
        with sessions.begin() as s:
            done = _purge_batch(s, cutoff, batch_size, actor, run)
        if not done.decisions:
            return total
        total += done.decisions
        if on_batch is not None:
            on_batch(done)
