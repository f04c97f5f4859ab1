"""Decisions and their notices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Signal, Tier
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import Kind, append
from ombuds.records.ledger.chain import decision_digest
from ombuds.records.repos.common import Sessions, chunked
from ombuds.records.repos.decision_records import (
    DECISION_COLUMNS,
    DECISION_FIELDS,
    NOTICE_FIELDS,
    case_openings,
    check_records,
    decision_record,
    decision_rows,
)
from ombuds.records.repos.rows import insert_rows
from ombuds.records.schema import DecisionRow, NoticeRow

# Decisions arrive in bursts from the engine; one multi-row INSERT per batch keeps the
# per-decision cost to a few microseconds of database time.
INSERT_BATCH = 2_000


def signal_from_json(data: dict[str, Any]) -> Signal:
    return Signal(data["type"], data["value"], data.get("quality"))


def row_digest(row: DecisionRow, notice: NoticeRow | None) -> str:
    """Recompute a stored decision's digest from its row (and its notice's)."""
    return decision_digest(
        [getattr(row, name) for name in DECISION_FIELDS],
        None if notice is None else [getattr(notice, name) for name in NOTICE_FIELDS],
    )


def write_records(session: Session, records: Sequence[Sequence[Any]], batch: str) -> dict[str, Any]:
    """Insert the records' decision rows (each with its digest) and notice rows in the
    session's transaction; the payload of the ledger entry that commits to them."""
    check_records(records)
    rows, notices, payload = decision_rows(records, batch)
    # The driver's executemany on the session's connection (`insert_rows`): the ORM's
    # bulk path, and even Core's, cost more than the rows' writing.
    connection = session.connection()
    for chunk in chunked(rows, INSERT_BATCH):
        insert_rows(connection, DecisionRow.__table__, DECISION_COLUMNS, chunk)
    for chunk in chunked(notices, INSERT_BATCH):
        insert_rows(connection, NoticeRow.__table__, NOTICE_FIELDS, chunk)
    return payload


def notice_of_row(row: NoticeRow) -> Notice:
    return Notice(
        notice_id=row.notice_id,
        decision_id=row.decision_id,
        content_id=row.content_id,
        author_id=row.author_id,
        action=Action(row.action),
        category=row.category,
        policy=row.policy,
        ground=row.ground,
        automated_detection=row.automated_detection,
        automated_decision=row.automated_decision,
        matched=tuple(row.matched),
        how_to_appeal=row.how_to_appeal,
        created_at=row.created_at,
    )


def decision_of_row(row: DecisionRow, notice: NoticeRow | None) -> Decision:
    return Decision(
        decision_id=row.decision_id,
        content_id=row.content_id,
        author_id=row.author_id,
        conversation_id=row.conversation_id,
        content_kind=row.content_kind,
        action=Action(row.action),
        reason=Reason(row.reason),
        tier=Tier(row.tier),
        created_at=row.created_at,
        elapsed_us=row.elapsed_us,
        category=row.category,
        policy=row.policy,
        evidence=tuple(Evidence.from_dict(e) for e in row.evidence),
        signal_types=tuple(row.signal_types),
        signals=tuple(signal_from_json(s) for s in row.signals or ()),
        notice=None if notice is None else notice_of_row(notice),
        supersedes=row.supersedes,
        detail=row.detail,
        extra=dict(row.extra),
    )


class DecisionRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def record_decisions(self, decisions: Sequence[Decision], *, actor: str) -> None:
        self.record_records([decision_record(d) for d in decisions], actor=actor)

    def record_records(self, records: Sequence[Sequence[Any]], *, actor: str) -> None:
        """Record decisions (in record form), their notices and cases, and one ledger entry
        for them all.

        A ledger row per decision would cost as much as the decision; instead each decision
        row keeps its own digest and the batch's entry commits to all of them (see
        `decision_rows`), so `verify` can still recheck every row that is not purged.
        """
        if not records:
            return
        batch = new_public_id("db")
        # Here, not at the top: the cases module reads evidence through this one.
        from ombuds.records.repos.cases import open_cases

        try:
            with self._sessions.begin() as s:
                payload = write_records(s, records, batch)
                open_cases(s, case_openings(records))
                append(s, Kind.DECISIONS, actor=actor, subject=batch, payload=payload)
        except IntegrityError as exc:
            raise ConflictError(
                f"a decision or notice id is already recorded: {exc.orig}", field="decision_id"
            ) from exc

    def get_decision(self, decision_id: str) -> Decision:
        stmt = (
            select(DecisionRow, NoticeRow)
            .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
            .where(DecisionRow.decision_id == decision_id)
        )
        with self._sessions() as s:
            hit = s.execute(stmt).one_or_none()
        if hit is None:
            raise NotFoundError(f"no decision '{decision_id}'", field="decision_id")
        return decision_of_row(*hit)

    def count_decisions(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(DecisionRow)) or 0)
