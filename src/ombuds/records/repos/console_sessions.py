"""Web console sessions, kept by the SHA-256 of their cookie (see interfaces/console/sessions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update

from ombuds.records.repos.common import Sessions
from ombuds.records.schema import ConsoleSessionRow


@dataclass(slots=True)
class StoredSession:
    digest: str
    csrf: str
    created_at: datetime
    seen_at: datetime
    key_name: str = ""
    key_id: str = ""
    role: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)


def _stored(row: ConsoleSessionRow) -> StoredSession:
    return StoredSession(
        digest=row.digest,
        csrf=row.csrf,
        created_at=row.created_at,
        seen_at=row.seen_at,
        key_name=row.key_name,
        key_id=row.key_id,
        role=row.role,
        flashes=[(kind, message) for kind, message in row.flashes or ()],
    )


class ConsoleSessionRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def add(self, session: StoredSession) -> None:
        with self._sessions.begin() as s:
            s.add(
                ConsoleSessionRow(
                    digest=session.digest,
                    csrf=session.csrf,
                    created_at=session.created_at,
                    seen_at=session.seen_at,
                    key_name=session.key_name,
                    key_id=session.key_id,
                    role=session.role,
                    flashes=[list(f) for f in session.flashes],
                )
            )

    def get(self, digest: str) -> StoredSession | None:
        with self._sessions() as s:
            row = s.get(ConsoleSessionRow, digest)
            return None if row is None else _stored(row)

    def touch(self, digest: str, seen_at: datetime) -> None:
        self._update(digest, seen_at=seen_at)

    def set_flashes(self, digest: str, flashes: list[tuple[str, str]]) -> None:
        self._update(digest, flashes=[list(f) for f in flashes])

    def delete(self, digest: str) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest))

    def delete_expired(self, *, seen_before: datetime, created_before: datetime) -> int:
        """Remove the sessions idle since `seen_before` or started before `created_before`."""
        stmt = delete(ConsoleSessionRow).where(
            (ConsoleSessionRow.seen_at < seen_before)
            | (ConsoleSessionRow.created_at < created_before)
        )
        with self._sessions.begin() as s:
            return int(s.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def delete_least_recent(self, count: int) -> None:
        """Remove `count` sessions, anonymous ones first, the least recently seen first."""
        order = (ConsoleSessionRow.role.is_not(None), ConsoleSessionRow.seen_at)
        with self._sessions.begin() as s:
            victims = select(ConsoleSessionRow.digest).order_by(*order).limit(count)
            s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.digest.in_(victims)))

    def count(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(ConsoleSessionRow)) or 0)

    def _update(self, digest: str, **values: object) -> None:
        stmt = update(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest)
        with self._sessions.begin() as s:
            s.execute(stmt.values(**values))
