"""Appeals against notices, and their outcomes.

Filing and deciding are each one transaction, ledgered in it. A reversal writes, in the
same transaction as the outcome: the allow decision that supersedes the restricting one
(with its digest and a ledger entry, like any decision batch), the closing of any case
still open on it, and the disabling or flagging of the bank entries that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ombuds.domain import CaseStatus, Decision
from ombuds.domain.appeal import Appeal, AppealOutcome, AppealStatus, principal
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records.accountability_schema import AppealRow
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import Kind, Record, append, append_many
from ombuds.records.ledger.sealed import seal
from ombuds.records.repos.common import Sessions
from ombuds.records.repos.decision_records import decision_record
from ombuds.records.repos.decisions import write_records
from ombuds.records.repos.notices import notice_record
from ombuds.records.schema import BankEntryRow, BankRow, CaseRow
from ombuds.records.types import utcnow

# What a reversal adds to the tags of the bank entries behind the reversed decision.
REVERSED_TAG = "appeal-reversed"
# Ledger kinds (strings: the ledger takes new kinds without a migration).
APPEAL_OPEN = "appeal.open"
APPEAL_DECIDE = "appeal.decide"


def _appeal(row: AppealRow) -> Appeal:
    return Appeal(
        appeal_id=row.public_id,
        notice_id=row.notice_id,
        decision_id=row.decision_id,
        content_id=row.content_id,
        statement=row.statement,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        status=AppealStatus(row.status),
        first_deciders=tuple(row.first_deciders),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        reversal_decision_id=row.reversal_decision_id,
        disabled_entries=tuple(row.disabled_entries),
        flagged_entries=tuple(row.flagged_entries),
    )


def _appeal_row(session: Session, appeal_id: str) -> AppealRow:
    if "\x00" in appeal_id:  # no such id, and PostgreSQL refuses NUL in a query
        raise NotFoundError(f"no appeal {appeal_id!r}", field="appeal_id")
    row = session.scalars(select(AppealRow).where(AppealRow.public_id == appeal_id)).first()
    if row is None:
        raise NotFoundError(f"no appeal '{appeal_id}'", field="appeal_id")
    return row


def _tag_entries(
    session: Session, public_ids: Sequence[str], tag: str, *, disable: bool, actor: str
) -> tuple[list[str], list[Record]]:
    """Tag (and optionally disable) the entries that still exist: their public ids, and the
    ledger records of the disabled ones (the same shape `set_entry_state` ledgers)."""
    if not public_ids:
        return [], []
    hits = session.execute(
        select(BankEntryRow, BankRow.name)
        .join(BankRow, BankRow.id == BankEntryRow.bank_id)
        .where(BankEntryRow.public_id.in_(public_ids))
        .order_by(BankEntryRow.public_id)
    ).all()
    done: list[str] = []
    records: list[Record] = []
    for row, bank in hits:
        row.tags = list(row.tags) if tag in row.tags else [*row.tags, tag]
        done.append(row.public_id)
        if disable:
            # enabled=False with no disabled_until: off until someone turns it back on.
            row.enabled, row.disabled_until = False, None
            details = {"id": row.public_id, "enabled": False, "disabled_until": None}
            details.update(type=row.signal_type, value=row.signal_value, reason=tag)
            records.append(Record(Kind.BANK_ENTRY_STATE, actor, bank, details))
    return done, records


def _close_cases(session: Session, decision_id: str, actor: str, appeal_id: str) -> list[Record]:
    """Close the cases still open on a reversed decision (rejected: the restriction went)."""
    ids = list(
        session.scalars(
            select(CaseRow.public_id).where(
                CaseRow.decision_id == decision_id, CaseRow.status == CaseStatus.OPEN.value
            )
        )
    )
    if not ids:
        return []
    reason = f"reversed on appeal {appeal_id}"
    sealed = seal(reason)
    session.execute(
        update(CaseRow)
        .where(CaseRow.public_id.in_(ids))
        .values(
            status=CaseStatus.REJECTED.value,
            decided_at=utcnow(),
            decided_by=actor,
            reason=reason,
            reason_salt=sealed.salt,
        )
    )
    details: dict[str, str | None] = {"decision_id": decision_id, "outcome": "reject"}
    details |= {"by": actor, "reason_hmac": sealed.digest, "bank": None}
    return [Record(Kind.CASE_DECIDE, actor, case_id, details) for case_id in ids]


def _reverse(
    s: Session,
    row: AppealRow,
    reversal: Decision,
    actor: str,
    disable: Sequence[str],
    flag: Sequence[str],
) -> list[Record]:
    """Write a reversal's effects; the ledger records for them, to append last."""
    if reversal.supersedes != row.decision_id:
        raise ValueError("a reversal supersedes the decision under appeal")
    # Recorded as any decision batch is: the row keeps its digest and the ledger entry
    # commits to it, so verification covers reversals like engine decisions.
    batch = new_public_id("db")
    payload = write_records(s, [decision_record(reversal)], batch)
    records = _close_cases(s, row.decision_id, actor, row.public_id)
    tag = f"{REVERSED_TAG}:{row.public_id}"
    disabled, states = _tag_entries(s, disable, tag, disable=True, actor=actor)
    rest = [f for f in flag if f not in disable]
    flagged, _ = _tag_entries(s, rest, tag, disable=False, actor=actor)
    row.reversal_decision_id = reversal.decision_id
    row.disabled_entries, row.flagged_entries = disabled, flagged
    return [Record(Kind.DECISIONS, actor, batch, payload), *records, *states]


class AppealRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def open(self, notice_id: str, statement: str, *, actor: str) -> Appeal:
        """File an appeal against a notice. NotFoundError for an unknown notice,
        ConflictError if it is appealed already or its decision was superseded."""
        try:
            with self._sessions.begin() as s:
                record = notice_record(s, notice_id)
                if record.appeal_id is not None:
                    raise ConflictError(
                        f"notice '{notice_id}' is already appealed: appeal "
                        f"'{record.appeal_id}' is {record.appeal_status}",
                        field="notice_id",
                    )
                if record.superseded_by is not None:
                    raise ConflictError(
                        f"the decision of notice '{notice_id}' was superseded by "
                        f"'{record.superseded_by}'; appeal that decision's notice instead",
                        field="notice_id",
                    )
                notice = record.notice
                row = AppealRow(
                    public_id=new_public_id("apl"),
                    notice_id=notice.notice_id,
                    decision_id=notice.decision_id,
                    content_id=notice.content_id,
                    statement=statement,
                    opened_by=actor,
                    opened_at=utcnow(),
                    status=AppealStatus.OPEN.value,
                    first_deciders=sorted({principal(a) for a in record.first_deciders}),
                    decided_by="",
                    reason="",
                    disabled_entries=[],
                    flagged_entries=[],
                )
                s.add(row)
                s.flush()  # the unique notice id is checked here, before the ledger entry
                details = {
                    "notice_id": notice.notice_id,
                    "decision_id": notice.decision_id,
                    "first_deciders": row.first_deciders,
                }
                append(s, APPEAL_OPEN, actor=actor, subject=row.public_id, payload=details)
        except IntegrityError as exc:  # a concurrent filing on the same notice won
            raise ConflictError(
                f"notice '{notice_id}' is already appealed", field="notice_id"
            ) from exc
        return _appeal(row)

    def get(self, appeal_id: str) -> Appeal:
        with self._sessions() as s:
            return _appeal(_appeal_row(s, appeal_id))

    def list_appeals(
        self, *, status: AppealStatus | None = None, offset: int = 0, limit: int = 100
    ) -> list[Appeal]:
        """A page of appeals (all, or of one status), oldest first."""
        stmt = select(AppealRow).order_by(AppealRow.opened_at, AppealRow.id)
        if status is not None:
            stmt = stmt.where(AppealRow.status == status.value)
        with self._sessions() as s:
            return [_appeal(r) for r in s.scalars(stmt.offset(offset).limit(limit))]

    def count(self, *, status: AppealStatus | None = None) -> int:
        stmt = select(func.count()).select_from(AppealRow)
        if status is not None:
            stmt = stmt.where(AppealRow.status == status.value)
        with self._sessions() as s:
            return int(s.scalar(stmt) or 0)

    def decision_times(self) -> list[tuple[str, datetime, datetime]]:
        """(status, opened_at, decided_at) of every decided appeal."""
        stmt = select(AppealRow.status, AppealRow.opened_at, AppealRow.decided_at).where(
            AppealRow.decided_at.is_not(None)
        )
        with self._sessions() as s:
            return [(st, o, d) for st, o, d in s.execute(stmt).all() if d is not None]

    def decide(
        self,
        appeal_id: str,
        outcome: AppealOutcome,
        reason: str,
        *,
        actor: str,
        reversal: Decision | None = None,
        disable: Sequence[str] = (),
        flag: Sequence[str] = (),
    ) -> Appeal:
        """Record the outcome of an open appeal, and for a reversal its effects, at once.

        NotFoundError; ConflictError if it is decided already or `actor` took part in the
        decision under appeal (a reviewer never reviews their own decision).
        """
        if (reversal is not None) != (outcome is AppealOutcome.REVERSED):
            raise ValueError("a reversal, and only a reversal, records a new decision")
        try:
            with self._sessions.begin() as s:
                self._decide(s, appeal_id, outcome, reason, actor, reversal, disable, flag)
        except IntegrityError as exc:  # e.g. a reversal decision id recorded already
            raise ConflictError(
                f"cannot record the outcome: {exc.orig}", field="appeal_id"
            ) from exc
        return self.get(appeal_id)

    @staticmethod
    def _decide(
        s: Session,
        appeal_id: str,
        outcome: AppealOutcome,
        reason: str,
        actor: str,
        reversal: Decision | None,
        disable: Sequence[str],
        flag: Sequence[str],
    ) -> None:
        row = _appeal_row(s, appeal_id)
        if row.status != AppealStatus.OPEN.value:
            raise ConflictError(f"appeal '{appeal_id}' is already {row.status}", field="appeal_id")
        if principal(actor) in row.first_deciders:
            raise ConflictError(
                f"'{actor}' took part in the decision under appeal; another moderator "
                "must review it",
                field="reviewer",
            )
        sealed = seal(reason)
        # A conditional UPDATE: of two reviewers deciding at once, exactly one wins.
        done = s.execute(
            update(AppealRow)
            .where(AppealRow.id == row.id, AppealRow.status == AppealStatus.OPEN.value)
            .values(
                status=outcome.status.value,
                decided_by=actor,
                decided_at=utcnow(),
                reason=reason,
                reason_salt=sealed.salt,
            )
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            raise ConflictError(f"appeal '{appeal_id}' was decided meanwhile", field="appeal_id")
        records: list[Record] = []
        if reversal is not None:
            records = _reverse(s, row, reversal, actor, disable, flag)
        details = {
            "notice_id": row.notice_id,
            "decision_id": row.decision_id,
            "outcome": outcome.value,
            "reason_hmac": sealed.digest,
            "reversal_decision_id": row.reversal_decision_id,
            "disabled_entries": list(row.disabled_entries),
            "flagged_entries": list(row.flagged_entries),
        }
        records.append(Record(APPEAL_DECIDE, actor, row.public_id, details))
        s.flush()
        append_many(s, records)
