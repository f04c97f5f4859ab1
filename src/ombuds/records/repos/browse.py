"""Read-only queries for people browsing the records (the console): the latest decisions,
and the bank entries that hold a given signal, across banks."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, tuple_

from ombuds.domain import BankEntry, Decision
from ombuds.records.repos.banks import _entry
from ombuds.records.repos.common import Sessions
from ombuds.records.repos.decisions import decision_of_row
from ombuds.records.schema import BankEntryRow, BankRow, DecisionRow, NoticeRow

# A person reads these: a page, not a stream.
MAX_ROWS = 10_000


class BrowseRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def recent_decisions(self, *, limit: int, policy: str | None = None) -> list[Decision]:
        """The latest `limit` decisions (all, or those under `policy`), newest first."""
        stmt = (
            select(DecisionRow, NoticeRow)
            .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
            .order_by(DecisionRow.created_at.desc(), DecisionRow.decision_id.desc())
            .limit(max(0, min(limit, MAX_ROWS)))
        )
        if policy is not None:
            stmt = stmt.where(DecisionRow.policy == policy)
        with self._sessions() as s:
            return [decision_of_row(row, notice) for row, notice in s.execute(stmt)]

    def entries_with_signal(self, signals: Collection[tuple[str, str]]) -> list[BankEntry]:
        """Entries, in any bank, whose (signal type, value) is one of `signals`."""
        if not signals:
            return []
        stmt = (
            select(BankEntryRow, BankRow.name)
            .join(BankRow, BankRow.id == BankEntryRow.bank_id)
            .where(tuple_(BankEntryRow.signal_type, BankEntryRow.signal_value).in_(list(signals)))
            .order_by(BankRow.name, BankEntryRow.id)
            .limit(MAX_ROWS)
        )
        with self._sessions() as s:
            return [_entry(row, bank) for row, bank in s.execute(stmt)]
