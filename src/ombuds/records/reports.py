"""What transparency reports are computed from, and the ledger of their releases.

Counts here are exact but *bounded*: each author contributes at most `per_author` rows to a
section (their earliest in the window), which is what lets the engine add noise calibrated
to one person rather than to one message. Rows whose author id is empty (given so, or
removed by retention) cannot be grouped and each count as a contributor of their own.

A release is a ledger entry of kind `report.transparency` whose payload is the published
report. Checking the privacy budget, computing the counts and appending the entry happen in
one transaction under the ledger's lock, so two releases cannot both spend the last of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ombuds.records.accountability_schema import AppealRow
from ombuds.records.ledger.append import HEAD_ID, append, write_lock
from ombuds.records.ledger.model import Kind, LedgerEntry
from ombuds.records.ledger.query import entry_of
from ombuds.records.ledger.schema import LedgerEntryRow, LedgerHeadRow
from ombuds.records.repos.common import Sessions
from ombuds.records.schema import CaseRow, DecisionRow, LexiconRuleRow

# Section name -> {key: exact bounded count}; keys join their parts with "/".
ExactCounts = dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open stretch of time [since, until), both timezone-aware."""

    since: datetime
    until: datetime

    def overlaps(self, other: Window) -> bool:
        return self.since < other.until and other.since < self.until


def _bounded(stmt: Any, author: Any, order: Any, per_author: int) -> Any:
    """`stmt`'s rows, at most `per_author` per non-empty author (the earliest)."""
    rank = func.row_number().over(partition_by=author, order_by=order).label("rank")
    ranked = stmt.add_columns(author.label("author"), rank).subquery()
    return select(ranked).where(or_(ranked.c.rank <= per_author, ranked.c.author == "")).subquery()


def _grouped(s: Session, rows: Any, *names: str) -> dict[str, int]:
    columns = [rows.c[name] for name in names]
    stmt = select(*columns, func.count()).group_by(*columns)
    return {"/".join(str(v) for v in row[:-1]): int(row[-1]) for row in s.execute(stmt)}


def _in(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.since, column < window.until)


def bounded_counts(s: Session, window: Window, per_author: int) -> ExactCounts:
    """Decisions by tier and action, by category and by policy; appeals and cases by
    status: each author's earliest `per_author` rows of each kind in the window."""
    d = DecisionRow
    decisions = _bounded(
        select(d.tier, d.action, d.category, d.policy).where(_in(d.created_at, window)),
        d.author_id,
        (d.created_at, d.decision_id),
        per_author,
    )
    appeals, cases = (
        _bounded(
            select(t.status)
            .join(d, d.decision_id == t.decision_id)
            .where(_in(t.opened_at, window)),
            d.author_id,  # an appeal's or a case's author is its decision's
            (t.opened_at, t.id),
            per_author,
        )
        for t in (AppealRow, CaseRow)
    )
    return {
        "decisions_by_action": _grouped(s, decisions, "tier", "action"),
        "decisions_by_category": _grouped(s, decisions, "category"),
        "decisions_by_policy": _grouped(s, decisions, "policy"),
        "appeals_by_status": _grouped(s, appeals, "status"),
        "cases_by_status": _grouped(s, cases, "status"),
    }


def _lock_ledger(s: Session) -> None:
    """Hold the ledger's head until commit: releases are checked and appended one at a time."""
    if s.get_bind().dialect.name == "sqlite":
        write_lock(s)
    else:
        s.execute(select(LedgerHeadRow.id).where(LedgerHeadRow.id == HEAD_ID).with_for_update())


def _released(s: Session) -> list[LedgerEntry]:
    stmt = select(LedgerEntryRow).where(LedgerEntryRow.kind == Kind.REPORT_TRANSPARENCY)
    return [entry_of(row) for row in s.scalars(stmt.order_by(LedgerEntryRow.seq))]


# Given the counts and the earlier releases, the report to publish; raises to refuse.
Release = Callable[[ExactCounts, Sequence[Mapping[str, Any]]], dict[str, Any]]
# Whether an earlier release is the one asked for again.
Same = Callable[[Mapping[str, Any]], bool]


class ReportRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def rule_categories(self) -> set[str]:
        """The categories of every lexicon rule (configuration, not data)."""
        with self._sessions() as s:
            return set(s.scalars(select(LexiconRuleRow.category).distinct()))

    def releases(self) -> list[LedgerEntry]:
        """Every transparency report released, oldest first."""
        with self._sessions() as s:
            return _released(s)

    def release(
        self,
        window: Window,
        per_author: int,
        make: Release,
        *,
        actor: str,
        same: Same = lambda _report: False,
    ) -> tuple[LedgerEntry, bool]:
        """The earlier release `same` recognises, or: count, let `make` turn the counts
        into a report (it sees the earlier releases, to check the budget), and ledger it;
        in one transaction. True when released now."""
        with self._sessions.begin() as s:
            _lock_ledger(s)
            earlier = _released(s)
            for entry in earlier:
                if same(entry.payload):
                    return entry, False
            report = make(bounded_counts(s, window, per_author), [e.payload for e in earlier])
            subject = f"{window.since.isoformat()}/{window.until.isoformat()}"
            entry = append(
                s, Kind.REPORT_TRANSPARENCY, actor=actor, subject=subject, payload=report
            )
            return entry, True


__all__ = ["ExactCounts", "ReportRepository", "Window", "bounded_counts"]
