"""Notices as the accountability layer reads them, and the DSA export profile.

Notices are written with their decisions (`repos.decisions`); here they are read back with
what an appeal or a statement of reasons needs beside them: the content kind, the humans
who decided the decision's case, a superseding decision, and the notice's appeal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ombuds.domain import CaseStatus
from ombuds.domain.appeal import AppealStatus, NoticeRecord
from ombuds.errors import NotFoundError
from ombuds.records.accountability_schema import AppealRow, DsaProfileRow
from ombuds.records.ledger import append
from ombuds.records.repos.common import IN_CHUNK, Sessions, chunked
from ombuds.records.repos.decisions import notice_of_row
from ombuds.records.schema import CaseRow, DecisionRow, NoticeRow
from ombuds.records.types import utcnow

PROFILE_ID = 1
PROFILE_SAVE = "dsa_profile.save"  # ledger kind


def _select() -> Select[NoticeRow, DecisionRow]:
    return select(NoticeRow, DecisionRow).join(
        DecisionRow, DecisionRow.decision_id == NoticeRow.decision_id
    )


def _by_decision(session: Session, stmt: Any, ids: Sequence[str]) -> list[Any]:
    rows: list[Any] = []
    for chunk in chunked(ids, IN_CHUNK):
        rows.extend(session.execute(stmt(chunk)).all())
    return rows


def _records(session: Session, hits: Sequence[Any]) -> list[NoticeRecord]:
    """Notice records for (notice, decision) rows: three IN queries per page, not per row."""
    decision_ids = [n.decision_id for n, _d in hits]
    humans: dict[str, list[str]] = {}
    for decision_id, by in _by_decision(
        session,
        lambda c: (
            select(CaseRow.decision_id, CaseRow.decided_by)
            .where(CaseRow.decision_id.in_(c), CaseRow.status != CaseStatus.OPEN.value)
            .order_by(CaseRow.id)
        ),
        decision_ids,
    ):
        humans.setdefault(decision_id, []).append(by)
    superseded = dict(
        _by_decision(
            session,
            lambda c: select(DecisionRow.supersedes, DecisionRow.decision_id).where(
                DecisionRow.supersedes.in_(c)
            ),
            decision_ids,
        )
    )
    notice_ids = [n.notice_id for n, _d in hits]
    appeals = {
        notice_id: (appeal_id, status)
        for notice_id, appeal_id, status in _by_decision(
            session,
            lambda c: select(AppealRow.notice_id, AppealRow.public_id, AppealRow.status).where(
                AppealRow.notice_id.in_(c)
            ),
            notice_ids,
        )
    }
    out = []
    for notice, decision in hits:
        appeal_id, status = appeals.get(notice.notice_id, (None, None))
        out.append(
            NoticeRecord(
                notice=notice_of_row(notice),
                content_kind=decision.content_kind,
                decision_created_at=decision.created_at,
                human_deciders=(*humans.get(notice.decision_id, ()), *_reviewer(decision)),
                superseded_by=superseded.get(notice.decision_id),
                appeal_id=appeal_id,
                appeal_status=None if status is None else AppealStatus(status),
            )
        )
    return out


def notice_record(session: Session, notice_id: str) -> NoticeRecord:
    """One notice record inside the caller's transaction; NotFoundError."""
    if "\x00" in notice_id:  # no such id, and PostgreSQL refuses NUL in a query
        raise NotFoundError(f"no notice {notice_id!r}", field="notice_id")
    hit = session.execute(_select().where(NoticeRow.notice_id == notice_id)).one_or_none()
    if hit is None:
        raise NotFoundError(f"no notice '{notice_id}'", field="notice_id")
    return _records(session, [hit])[0]


def _reviewer(decision: DecisionRow) -> tuple[str, ...]:
    """The moderator whose case outcome made this decision (see `engine.review`)."""
    by = (decision.extra or {}).get("reviewed_by")
    return (by,) if isinstance(by, str) and by else ()


class NoticeRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def get(self, notice_id: str) -> NoticeRecord:
        with self._sessions() as s:
            return notice_record(s, notice_id)

    def iter_records(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        batch: int = 1_000,
    ) -> Iterator[NoticeRecord]:
        """Notices created in [since, until), oldest first, in pages (keyset on time, id)."""
        after: tuple[datetime, str] | None = None
        while True:
            stmt = _select().order_by(NoticeRow.created_at, NoticeRow.notice_id).limit(batch)
            if since is not None:
                stmt = stmt.where(NoticeRow.created_at >= since)
            if until is not None:
                stmt = stmt.where(NoticeRow.created_at < until)
            if after is not None:
                at, last = after
                stmt = stmt.where(
                    (NoticeRow.created_at > at)
                    | ((NoticeRow.created_at == at) & (NoticeRow.notice_id > last))
                )
            with self._sessions() as s:
                hits = s.execute(stmt).all()
                page = _records(s, hits)
            yield from page
            if len(hits) < batch:
                return
            after = (hits[-1][0].created_at, hits[-1][0].notice_id)

    def categories(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> set[tuple[str, str]]:
        """The (policy, category) pairs of the notices in [since, until)."""
        stmt = select(NoticeRow.policy, NoticeRow.category).distinct()
        if since is not None:
            stmt = stmt.where(NoticeRow.created_at >= since)
        if until is not None:
            stmt = stmt.where(NoticeRow.created_at < until)
        with self._sessions() as s:
            return {(p, c) for p, c in s.execute(stmt).all()}

    def get_profile(self) -> dict[str, Any] | None:
        """The stored DSA export profile document, or None if none was imported."""
        with self._sessions() as s:
            row = s.get(DsaProfileRow, PROFILE_ID)
            return None if row is None else dict(row.document)

    def save_profile(self, document: dict[str, Any], *, actor: str) -> None:
        """Store (replace) the DSA export profile; the caller has validated it."""
        with self._sessions.begin() as s:
            row = s.get(DsaProfileRow, PROFILE_ID)
            if row is None:
                s.add(
                    DsaProfileRow(
                        id=PROFILE_ID, document=document, updated_by=actor, updated_at=utcnow()
                    )
                )
            else:
                row.document, row.updated_by, row.updated_at = document, actor, utcnow()
            s.flush()
            append(s, PROFILE_SAVE, actor=actor, subject="dsa", payload=document)
