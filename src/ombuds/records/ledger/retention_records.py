"""Retention beyond decisions: appeals, review cases and disclosures lose their personal data.

Removed, once the record is closed for longer than the retention: an appeal's statement
(the user's own words), content id and the moderator's reason; a case's content id and the
reviewer's reason; the decision ids a disclosure handed over (its SHA-256 and the request
stay: they are the legal record of what left). Open appeals and cases are never touched.

These rows carry no digest of their own, so a row is due while it still holds something to
remove: a purged row has nothing left and is never claimed again. Each batch is one
transaction with a `purge.<table>` entry naming the rows it purged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from ombuds.domain import CaseStatus
from ombuds.domain.appeal import AppealStatus
from ombuds.records.accountability_schema import AppealRow, DisclosureRow
from ombuds.records.ids import new_public_id
from ombuds.records.ledger.append import append, write_lock
from ombuds.records.schema import Base, CaseRow

PURGE_APPEALS = "purge.appeals"
PURGE_CASES = "purge.cases"
PURGE_DISCLOSURES = "purge.disclosures"


@dataclass(frozen=True, slots=True)
class Target:
    """One table's retention: which rows are due at a cutoff, and what they become."""

    name: str  # the PurgeBatch field that counts it
    kind: str
    row: type[Base]
    key: InstrumentedAttribute[str]
    due: Callable[[datetime], Sequence[ColumnElement[bool]]]
    blank: Callable[[], dict[str, Any]]


def _appeals_due(cutoff: datetime) -> Sequence[ColumnElement[bool]]:
    return (
        AppealRow.status != AppealStatus.OPEN.value,
        AppealRow.decided_at < cutoff,
        or_(AppealRow.statement != "", AppealRow.content_id != "", AppealRow.reason != ""),
    )


def _cases_due(cutoff: datetime) -> Sequence[ColumnElement[bool]]:
    return (
        CaseRow.status != CaseStatus.OPEN.value,
        CaseRow.decided_at < cutoff,
        or_(CaseRow.content_id != "", CaseRow.reason != ""),
    )


def _disclosures_due(cutoff: datetime) -> Sequence[ColumnElement[bool]]:
    # json_array_length exists under this name on SQLite and PostgreSQL (json, not jsonb).
    return (
        DisclosureRow.disclosed_at < cutoff,
        func.json_array_length(DisclosureRow.decision_ids) > 0,
    )


TARGETS = (
    Target(
        "appeals",
        PURGE_APPEALS,
        AppealRow,
        AppealRow.public_id,
        _appeals_due,
        lambda: {"statement": "", "content_id": "", "reason": "", "reason_salt": ""},
    ),
    Target(
        "cases",
        PURGE_CASES,
        CaseRow,
        CaseRow.public_id,
        _cases_due,
        lambda: {"content_id": "", "reason": "", "reason_salt": ""},
    ),
    Target(
        "disclosures",
        PURGE_DISCLOSURES,
        DisclosureRow,
        DisclosureRow.public_id,
        _disclosures_due,
        lambda: {"decision_ids": []},
    ),
)


def count_target_due(s: Session, target: Target, cutoff: datetime) -> int:
    stmt = select(func.count()).select_from(target.row).where(*target.due(cutoff))
    return int(s.scalar(stmt) or 0)


def purge_target_batch(
    s: Session, target: Target, cutoff: datetime, size: int, actor: str, run: str
) -> tuple[str, int]:
    """Purge up to `size` due rows of one table and ledger them; (batch id, rows purged)."""
    write_lock(s)
    claim = (
        select(target.key)
        .where(*target.due(cutoff))
        .order_by(target.key)
        .limit(size)
        # As for decisions: concurrent purges on PostgreSQL take different rows.
        .with_for_update(skip_locked=True)
    )
    ids = sorted(s.scalars(claim))
    batch = new_public_id("pb")
    if not ids:
        return batch, 0
    s.execute(
        update(target.row)
        .where(target.key.in_(ids))
        .values(**target.blank())
        .execution_options(synchronize_session=False)
    )
    # Public ids only: they name our records, not people, and let an auditor find which
    # batch emptied a given row.
    payload = {"run": run, "batch": batch, "cutoff": cutoff, "count": len(ids), "ids": ids}
    append(s, target.kind, actor=actor, subject=batch, payload=payload)
    return batch, len(ids)
