"""Retention: after the configured time, decisions lose the personal ids they carried.

Removed: the author, conversation and content ids of decisions and notices (a content id is
the platform's id of a user's message, so it identifies them), the text evidence holds
(terms found in a message, an image's OCR or a document, with their offsets and boxes) and
the reviewer's or moderator's free text a superseding decision's detail repeats. Kept: what
was decided, why and when, and every digest. A decision under an open case or appeal waits
until it is decided: the reviewer needs its evidence. Each batch is one transaction that
purges rows and appends a `purge` entry committing to their new values, so an interrupted
purge resumes where it stopped and `verify` still passes afterwards. Appeals, cases and
disclosures follow (`retention_records`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from ombuds.domain import CaseStatus
from ombuds.domain.appeal import AppealStatus
from ombuds.errors import ConflictError
from ombuds.records.accountability_schema import AppealRow
from ombuds.records.ids import new_public_id
from ombuds.records.ledger.append import append, write_lock
from ombuds.records.ledger.chain import root
from ombuds.records.ledger.model import Kind
from ombuds.records.ledger.retention_records import (
    TARGETS,
    Target,
    count_target_due,
    purge_target_batch,
)
from ombuds.records.repos.common import Sessions
from ombuds.records.repos.decisions import row_digest
from ombuds.records.schema import CaseRow, DecisionRow, NoticeRow

BATCH = 1_000


@dataclass(frozen=True, slots=True)
class PurgeBatch:
    batch: str
    decisions: int
    notices: int
    appeals: int = 0
    cases: int = 0
    disclosures: int = 0


def scrub_evidence(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence without the content-derived text: which rule or entry matched stays."""
    return [{**e, "matched_text": [], "spans": [], "boxes": []} for e in evidence]


def scrub_detail(detail: str, supersedes: str | None) -> str:
    """A reviewer's or moderator's outcome keeps who and where ("confirm in review case X by
    alice"), not their free-text reason; the engine's own details name no one."""
    return detail.split(": ", 1)[0] if supersedes is not None else detail


def _eligible(cutoff: datetime) -> Any:
    open_case = exists().where(
        CaseRow.decision_id == DecisionRow.decision_id, CaseRow.status == CaseStatus.OPEN.value
    )
    open_appeal = exists().where(
        AppealRow.decision_id == DecisionRow.decision_id,
        AppealRow.status == AppealStatus.OPEN.value,
    )
    return (
        DecisionRow.purge_batch.is_(None),
        DecisionRow.created_at < cutoff,
        ~open_case,
        ~open_appeal,
    )


def count_due(sessions: Sessions, cutoff: datetime) -> int:
    """Decisions a purge at `cutoff` would purge (appeals, cases, disclosures: `counts_due`)."""
    with sessions() as s:
        stmt = select(func.count()).select_from(DecisionRow).where(*_eligible(cutoff))
        return int(s.scalar(stmt) or 0)


def counts_due(sessions: Sessions, cutoff: datetime) -> dict[str, int]:
    """Rows a purge at `cutoff` would purge, per table: decisions, appeals, cases, disclosures."""
    counts = {"decisions": count_due(sessions, cutoff)}
    with sessions() as s:
        counts.update({t.name: count_target_due(s, t, cutoff) for t in TARGETS})
    return counts


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
        {
            "pk": d.decision_id,
            "scrubbed": scrub_evidence(list(d.evidence)),
            "dt": scrub_detail(d.detail, d.supersedes),
            "pb": batch,
        }
        for d, _ in rows
    ]
    s.connection().execute(
        update(table)
        .where(table.c.decision_id == bindparam("pk"))
        .values(
            author_id="",
            conversation_id="",
            content_id="",
            detail=bindparam("dt"),
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
            .values(author_id="", content_id="")
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
    """Purge every decision recorded before `cutoff`, then the appeals, cases and
    disclosures closed before it, a batch per transaction; returns how many decisions were
    purged by this call (`on_batch` sees every table). Safe to interrupt and to run again.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    run = new_public_id("pr")
    total = 0
    while True:
        with sessions.begin() as s:
            done = _purge_batch(s, cutoff, batch_size, actor, run)
        if not done.decisions:
            break
        total += done.decisions
        if on_batch is not None:
            on_batch(done)
    for target in TARGETS:
        _purge_target(sessions, target, cutoff, actor, run, batch_size, on_batch)
    return total


def _purge_target(
    sessions: Sessions,
    target: Target,
    cutoff: datetime,
    actor: str,
    run: str,
    size: int,
    on_batch: Callable[[PurgeBatch], None] | None,
) -> None:
    while True:
        with sessions.begin() as s:
            batch, count = purge_target_batch(s, target, cutoff, size, actor, run)
        if not count:
            return
        if on_batch is not None:
            on_batch(PurgeBatch(batch, 0, 0, **{target.name: count}))
