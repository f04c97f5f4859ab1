"""The review queue: cases opened for decisions whose action is review, and their outcomes.

Cases are opened by `open_cases`, inside the transaction that records their decisions, so
a review decision is never stored without its case.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from ombuds.domain import (
    Case,
    CaseStatus,
    Decision,
    Evidence,
    Outcome,
    Reason,
    Tier,
)
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import Kind, append
from ombuds.records.ledger.sealed import seal
from ombuds.records.repos.common import Sessions, chunked
from ombuds.records.repos.decision_records import CaseOpening, decision_record
from ombuds.records.repos.decisions import INSERT_BATCH, write_records
from ombuds.records.schema import CaseRow, DecisionRow
from ombuds.records.types import utcnow


def open_cases(session: Session, openings: Sequence[CaseOpening]) -> None:
    """Open a case for each decision that needs review (`case_openings` of their records),
    in the caller's transaction."""
    for batch in chunked(openings, INSERT_BATCH):
        session.execute(
            insert(CaseRow),
            [
                {
                    "public_id": new_public_id("case"),
                    "decision_id": decision_id,
                    "content_id": content_id,
                    "policy": policy,
                    "category": category,
                    "status": CaseStatus.OPEN.value,
                    "opened_at": at,
                    "decided_at": None,
                    "decided_by": "",
                    "reason": "",
                    "reason_salt": "",
                    "bank": None,
                }
                for decision_id, content_id, policy, category, at in batch
            ],
        )


def _select() -> Select[CaseRow, DecisionRow]:
    return select(CaseRow, DecisionRow).join(
        DecisionRow, DecisionRow.decision_id == CaseRow.decision_id
    )


def _case(row: CaseRow, decision: DecisionRow) -> Case:
    return Case(
        case_id=row.public_id,
        decision_id=row.decision_id,
        content_id=row.content_id,
        content_kind=decision.content_kind,
        policy=row.policy,
        category=row.category,
        tier=Tier(decision.tier),
        decision_reason=Reason(decision.reason),
        status=CaseStatus(row.status),
        opened_at=row.opened_at,
        evidence=tuple(Evidence.from_dict(e) for e in decision.evidence),
        detail=decision.detail,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reason=row.reason,
        bank=row.bank,
    )


class CaseRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def list_cases(
        self, *, status: CaseStatus | None = None, offset: int = 0, limit: int = 100
    ) -> list[Case]:
        stmt = _select().order_by(CaseRow.opened_at, CaseRow.id).offset(offset).limit(limit)
        if status is not None:
            stmt = stmt.where(CaseRow.status == status.value)
        with self._sessions() as s:
            return [_case(row, decision) for row, decision in s.execute(stmt).all()]

    def count_cases(self, *, status: CaseStatus | None = None) -> int:
        stmt = select(func.count()).select_from(CaseRow)
        if status is not None:
            stmt = stmt.where(CaseRow.status == status.value)
        with self._sessions() as s:
            return int(s.scalar(stmt) or 0)

    def get_case(self, case_id: str) -> Case:
        if "\x00" in case_id:  # no such id, and PostgreSQL refuses NUL in a query
            raise NotFoundError(f"no case {case_id!r}", field="case_id")
        with self._sessions() as s:
            hit = s.execute(_select().where(CaseRow.public_id == case_id)).one_or_none()
        if hit is None:
            raise NotFoundError(f"no case '{case_id}'", field="case_id")
        return _case(hit[0], hit[1])

    def decide_case(
        self,
        case_id: str,
        outcome: Outcome,
        *,
        by: str,
        reason: str,
        actor: str,
        bank: str | None = None,
        decision: Decision | None = None,
    ) -> Case:
        """Close an open case; ConflictError if it was decided already (by anyone).

        `decision` (the outcome's own decision, superseding the case's) is recorded, with
        its notice and its ledger entry, in the same transaction.
        """
        if decision is not None:
            _check_outcome_decision(decision, self.get_case(case_id))
        if bank is not None and outcome is not Outcome.CONFIRM:
            raise InputError("only a confirmation can bank the content", field="bank")
        self.get_case(case_id)  # NotFoundError before anything is written
        sealed = seal(reason)
        with self._sessions.begin() as s:
            # One conditional UPDATE: of two reviewers deciding at once, exactly one wins.
            done = s.execute(
                update(CaseRow)
                .where(CaseRow.public_id == case_id, CaseRow.status == CaseStatus.OPEN.value)
                .values(
                    status=outcome.status.value,
                    decided_at=utcnow(),
                    decided_by=by,
                    reason=reason,
                    reason_salt=sealed.salt,
                    bank=bank,
                )
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                status = s.scalar(select(CaseRow.status).where(CaseRow.public_id == case_id))
                if status is None:
                    raise NotFoundError(f"no case '{case_id}'", field="case_id")
                raise ConflictError(f"case '{case_id}' is already {status}", field="case_id")
            decision_id = s.scalar(select(CaseRow.decision_id).where(CaseRow.public_id == case_id))
            details = {
                "decision_id": decision_id,
                "outcome": outcome.value,
                "by": by,
                "reason_hmac": sealed.digest,
                "bank": bank,
            }
            append(s, Kind.CASE_DECIDE, actor=actor, subject=case_id, payload=details)
            if decision is not None:
                _record_outcome(s, decision, actor)
        return self.get_case(case_id)


def _check_outcome_decision(decision: Decision, case: Case) -> None:
    if decision.supersedes != case.decision_id:
        raise ValueError("a case outcome's decision supersedes the decision under review")


def _record_outcome(s: Session, decision: Decision, actor: str) -> None:
    """A case outcome's decision, recorded as any decision batch is (digest, ledger entry)."""
    batch = new_public_id("db")
    payload = write_records(s, [decision_record(decision)], batch)
    append(s, Kind.DECISIONS, actor=actor, subject=batch, payload=payload)
