"""The ledger as the store sees it: append on its own, read, verify, purge."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ombuds.records.ledger.append import append, append_many
from ombuds.records.ledger.model import LedgerEntry, LedgerQuery, Record, Verification
from ombuds.records.ledger.query import find_entries
from ombuds.records.ledger.retention import PurgeBatch, count_due, purge
from ombuds.records.ledger.verify import verify_chain
from ombuds.records.repos.common import Sessions


class LedgerRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def append(
        self,
        kind: str,
        *,
        actor: str,
        subject: str = "",
        payload: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> LedgerEntry:
        """An entry in a transaction of its own: for events that change nothing else."""
        with self._sessions.begin() as s:
            return append(s, kind, actor=actor, subject=subject, payload=payload, now=now)

    def append_many(self, records: Sequence[Record]) -> list[LedgerEntry]:
        with self._sessions.begin() as s:
            return append_many(s, records)

    def entries(self, query: LedgerQuery) -> list[LedgerEntry]:
        with self._sessions() as s:
            return find_entries(s, query)

    def verify(self, *, decisions: bool = True) -> Verification:
        with self._sessions() as s:
            return verify_chain(s, decisions=decisions)

    def count_due(self, cutoff: datetime) -> int:
        return count_due(self._sessions, cutoff)

    def purge(
        self,
        cutoff: datetime,
        *,
        actor: str,
        batch_size: int,
        on_batch: Callable[[PurgeBatch], None] | None = None,
    ) -> int:
        return purge(self._sessions, cutoff, actor=actor, batch_size=batch_size, on_batch=on_batch)
