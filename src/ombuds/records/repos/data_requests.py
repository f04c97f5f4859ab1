"""Data access requests: registered, reviewed by someone else, disclosed only once approved.

Every disclosure is written in the transaction that reads what it discloses, with the ids of
the decisions handed over and a SHA-256 of the exact bytes, so the record and the export
can never disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ombuds.domain import Decision
from ombuds.domain.appeal import principal
from ombuds.domain.data_request import (
    DataRequest,
    DataScope,
    Disclosure,
    PartyKind,
    RequestStatus,
)
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records.accountability_schema import DataRequestRow, DisclosureRow
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import append, canonical
from ombuds.records.repos.common import Sessions
from ombuds.records.repos.decisions import decision_of_row
from ombuds.records.schema import DecisionRow, NoticeRow
from ombuds.records.types import utcnow

MAX_SCOPE_IDS = 1_000  # per list: a request names people and items, it is not a bulk export
Render = Callable[[Sequence[Decision]], bytes]
# Ledger kinds (strings: the ledger takes new kinds without a migration).
REGISTER = "data_request.register"
REVIEW = "data_request.review"
DISCLOSE = "data_request.disclose"


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def scope_to_json(scope: DataScope) -> dict[str, Any]:
    return {
        "author_ids": list(scope.author_ids),
        "content_ids": list(scope.content_ids),
        "since": _iso(scope.since),
        "until": _iso(scope.until),
    }


def scope_from_json(data: dict[str, Any]) -> DataScope:
    return DataScope(
        author_ids=tuple(data.get("author_ids", ())),
        content_ids=tuple(data.get("content_ids", ())),
        since=_when(data.get("since")),
        until=_when(data.get("until")),
    )


def _scope_summary(scope: DataScope) -> dict[str, Any]:
    """The scope for the ledger: counts and a digest, never the ids themselves (they name
    people, and the ledger outlives retention)."""
    data = scope_to_json(scope)
    return {
        "author_ids": len(scope.author_ids),
        "content_ids": len(scope.content_ids),
        "since": data["since"],
        "until": data["until"],
        "digest": hashlib.sha256(canonical(data)).hexdigest(),
    }


def _request(row: DataRequestRow) -> DataRequest:
    return DataRequest(
        request_id=row.public_id,
        requesting_party=row.requesting_party,
        party_kind=PartyKind(row.party_kind),
        legal_basis=row.legal_basis,
        scope=scope_from_json(row.scope),
        description=row.description,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        status=RequestStatus(row.status),
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_reason=row.review_reason,
    )


def _disclosure(row: DisclosureRow) -> Disclosure:
    return Disclosure(
        disclosure_id=row.public_id,
        request_id=row.request_id,
        disclosed_by=row.disclosed_by,
        disclosed_at=row.disclosed_at,
        decision_ids=tuple(row.decision_ids),
        sha256=row.sha256,
    )


def _row(session: Session, request_id: str) -> DataRequestRow:
    if "\x00" in request_id:  # no such id, and PostgreSQL refuses NUL in a query
        raise NotFoundError(f"no data request {request_id!r}", field="request_id")
    stmt = select(DataRequestRow).where(DataRequestRow.public_id == request_id)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFoundError(f"no data request '{request_id}'", field="request_id")
    return row


def _check(requesting_party: str, legal_basis: str, scope: DataScope) -> None:
    if not requesting_party.strip():
        raise InputError("name who asks", field="requesting_party")
    if not legal_basis.strip():
        raise InputError("a request needs a legal basis", field="legal_basis")
    problem = scope.problem()
    if problem is not None:
        raise InputError(problem[1], field=problem[0])
    for name, ids in (("author_ids", scope.author_ids), ("content_ids", scope.content_ids)):
        if len(ids) > MAX_SCOPE_IDS:
            raise InputError(f"at most {MAX_SCOPE_IDS} ids", field=f"scope.{name}")


def _in_scope(session: Session, scope: DataScope) -> list[Decision]:
    wanted = []
    if scope.author_ids:
        wanted.append(DecisionRow.author_id.in_(scope.author_ids))
    if scope.content_ids:
        wanted.append(DecisionRow.content_id.in_(scope.content_ids))
    stmt = (
        select(DecisionRow, NoticeRow)
        .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
        .where(or_(*wanted))
        .order_by(DecisionRow.created_at, DecisionRow.decision_id)
    )
    if scope.since is not None:
        stmt = stmt.where(DecisionRow.created_at >= scope.since)
    if scope.until is not None:
        stmt = stmt.where(DecisionRow.created_at < scope.until)
    return [decision_of_row(d, n) for d, n in session.execute(stmt).all()]


class DataRequestRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def register(
        self,
        requesting_party: str,
        party_kind: PartyKind,
        legal_basis: str,
        scope: DataScope,
        *,
        description: str = "",
        actor: str,
    ) -> DataRequest:
        """Register a pending request; InputError naming the field that cannot be used."""
        _check(requesting_party, legal_basis, scope)
        row = DataRequestRow(
            public_id=new_public_id("dreq"),
            requesting_party=requesting_party.strip(),
            party_kind=party_kind.value,
            legal_basis=legal_basis.strip(),
            scope=scope_to_json(scope),
            description=description,
            registered_by=actor,
            registered_at=utcnow(),
            status=RequestStatus.PENDING.value,
            reviewed_by="",
            review_reason="",
        )
        details = {
            "requesting_party": row.requesting_party,
            "party_kind": row.party_kind,
            "legal_basis": row.legal_basis,
            "scope": _scope_summary(scope),
        }
        with self._sessions.begin() as s:
            s.add(row)
            s.flush()
            append(s, REGISTER, actor=actor, subject=row.public_id, payload=details)
        return _request(row)

    def get(self, request_id: str) -> DataRequest:
        with self._sessions() as s:
            return _request(_row(s, request_id))

    def list_requests(
        self, *, status: RequestStatus | None = None, offset: int = 0, limit: int = 100
    ) -> list[DataRequest]:
        stmt = select(DataRequestRow).order_by(DataRequestRow.registered_at, DataRequestRow.id)
        if status is not None:
            stmt = stmt.where(DataRequestRow.status == status.value)
        with self._sessions() as s:
            return [_request(r) for r in s.scalars(stmt.offset(offset).limit(limit))]

    def count(self, *, status: RequestStatus | None = None) -> int:
        stmt = select(func.count()).select_from(DataRequestRow)
        if status is not None:
            stmt = stmt.where(DataRequestRow.status == status.value)
        with self._sessions() as s:
            return int(s.scalar(stmt) or 0)

    def counts_by(self, column: str) -> dict[str, int]:
        """Requests per value of `column`: "status", "legal_basis" or "party_kind"."""
        if column not in ("status", "legal_basis", "party_kind"):
            raise ValueError(f"cannot count requests by {column!r}")
        col = getattr(DataRequestRow, column)
        with self._sessions() as s:
            rows = s.execute(select(col, func.count()).group_by(col)).all()
        return {str(value): int(n) for value, n in rows}

    def review(self, request_id: str, *, approve: bool, reason: str, actor: str) -> DataRequest:
        """Approve or refuse a pending request. ConflictError if it is not pending, or if
        `actor` registered it: the two-person rule."""
        with self._sessions.begin() as s:
            row = _row(s, request_id)
            if row.status != RequestStatus.PENDING.value:
                raise ConflictError(
                    f"data request '{request_id}' is already {row.status}", field="request_id"
                )
            if principal(actor) == principal(row.registered_by):
                raise ConflictError(
                    f"'{actor}' registered data request '{request_id}' and cannot also "
                    "approve or refuse it (two-person rule)",
                    field="reviewer",
                )
            status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
            done = s.execute(
                update(DataRequestRow)
                .where(
                    DataRequestRow.id == row.id,
                    DataRequestRow.status == RequestStatus.PENDING.value,
                )
                .values(
                    status=status.value,
                    reviewed_by=actor,
                    reviewed_at=utcnow(),
                    review_reason=reason,
                )
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                raise ConflictError(
                    f"data request '{request_id}' was reviewed meanwhile", field="request_id"
                )
            details = {"status": status.value, "reason": reason}
            append(s, REVIEW, actor=actor, subject=request_id, payload=details)
        return self.get(request_id)

    def disclose(self, request_id: str, render: Render, *, actor: str) -> tuple[Disclosure, bytes]:
        """Read what an approved request covers, render it with `render` and record the
        disclosure, all in one transaction. ConflictError unless the request is approved."""
        with self._sessions.begin() as s:
            row = _row(s, request_id)
            if row.status not in (RequestStatus.APPROVED.value, RequestStatus.DISCLOSED.value):
                raise ConflictError(
                    f"data request '{request_id}' is {row.status}: only an approved request "
                    "can be disclosed",
                    field="request_id",
                )
            decisions = _in_scope(s, scope_from_json(row.scope))
            data = render(decisions)
            disclosure = DisclosureRow(
                public_id=new_public_id("dscl"),
                request_id=row.public_id,
                disclosed_by=actor,
                disclosed_at=utcnow(),
                decision_ids=[d.decision_id for d in decisions],
                sha256=hashlib.sha256(data).hexdigest(),
            )
            s.add(disclosure)
            row.status = RequestStatus.DISCLOSED.value
            s.flush()
            details = {
                "disclosure_id": disclosure.public_id,
                "decisions": len(decisions),
                "sha256": disclosure.sha256,
            }
            append(s, DISCLOSE, actor=actor, subject=request_id, payload=details)
        return _disclosure(disclosure), data

    def disclosures(self, request_id: str) -> list[Disclosure]:
        with self._sessions() as s:
            _row(s, request_id)
            stmt = (
                select(DisclosureRow)
                .where(DisclosureRow.request_id == request_id)
                .order_by(DisclosureRow.disclosed_at, DisclosureRow.id)
            )
            return [_disclosure(r) for r in s.scalars(stmt)]
