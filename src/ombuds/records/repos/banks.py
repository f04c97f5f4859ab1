"""Banks and their entries."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import BankChange, Kind, Record, append, append_many
from ombuds.records.repos.bulk import insert_new_entries
from ombuds.records.repos.common import (
    IN_CHUNK,
    Sessions,
    bank_row,
    chunked,
    policies_naming,
)
from ombuds.records.schema import BankEntryRow, BankRow
from ombuds.records.types import utcnow

# Rows per INSERT statement batch: large enough to amortise round trips, small enough to
# keep memory flat on 100k-row imports.
INSERT_BATCH = 5_000

_Key = tuple[str, str, str]  # (bank, signal type, value)


def _bank(row: BankRow) -> Bank:
    return Bank(
        name=row.name,
        category=row.category,
        description=row.description,
        threshold=row.threshold,
    )


def _entry(row: BankEntryRow, bank: str) -> BankEntry:
    return BankEntry(
        bank=bank,
        signal=Signal(row.signal_type, row.signal_value),
        category=row.category,
        provenance=row.provenance,
        author=row.author,
        reason=row.reason,
        expires_at=row.expires_at,
        enabled=row.enabled,
        disabled_until=row.disabled_until,
        tags=tuple(row.tags),
        public_id=row.public_id,
    )


def _check(entry: BankEntry) -> None:
    for tag in entry.tags:
        # Tags travel space-separated in bank CSV files (HMA's convention).
        if not tag or any(ch.isspace() for ch in tag):
            raise InputError(f"tag {tag!r} must be non-empty and contain no spaces", field="tags")
    for name in ("expires_at", "disabled_until"):
        value: datetime | None = getattr(entry, name)
        # Checked here because the PostgreSQL bulk path bypasses the column type's check.
        if value is not None and value.utcoffset() is None:
            raise InputError(f"naive datetime {value}: times must be timezone-aware", field=name)


class BankRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def create_bank(self, bank: Bank, *, actor: str) -> None:
        with self._sessions.begin() as s:
            if s.scalar(select(BankRow.id).where(BankRow.name == bank.name)) is not None:
                raise ConflictError(f"a bank named '{bank.name}' exists", field="name")
            s.add(
                BankRow(
                    name=bank.name,
                    category=bank.category,
                    description=bank.description,
                    threshold=bank.threshold,
                    created_at=utcnow(),
                )
            )
            details = {
                "category": bank.category,
                "description": bank.description,
                "threshold": bank.threshold,
            }
            append(s, Kind.BANK_CREATE, actor=actor, subject=bank.name, payload=details)

    def get_bank(self, name: str) -> Bank:
        with self._sessions() as s:
            return _bank(bank_row(s, name))

    def list_banks(self) -> list[tuple[Bank, int]]:
        counts = (
            select(BankEntryRow.bank_id, func.count().label("n"))
            .group_by(BankEntryRow.bank_id)
            .subquery()
        )
        stmt = (
            select(BankRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.bank_id == BankRow.id)
            .order_by(BankRow.name)
        )
        with self._sessions() as s:
            return [(_bank(row), int(n)) for row, n in s.execute(stmt)]

    def delete_bank(self, name: str, *, actor: str, reason: str = "") -> None:
        with self._sessions.begin() as s:
            row = bank_row(s, name)
            users = policies_naming(s, "banks", name)
            if users:
                raise ConflictError(
                    f"bank '{name}' is used by policies: {', '.join(users)}", field="banks"
                )
            count = s.scalar(select(func.count()).where(BankEntryRow.bank_id == row.id))
            # Entries go with it through ON DELETE CASCADE, in the database, not row by row.
            s.execute(delete(BankRow).where(BankRow.id == row.id))
            details = {"entries": int(count or 0), "reason": reason}
            append(s, Kind.BANK_DELETE, actor=actor, subject=name, payload=details)

    def add_entries(
        self,
        entries: Sequence[BankEntry],
        *,
        actor: str,
        skip_duplicates: bool = False,
        origin: str = "",
    ) -> list[BankEntry]:
        if not entries:
            return []
        with self._sessions.begin() as s:
            added = self._add(s, {}, entries, skip_duplicates)
            changes: dict[str, BankChange] = {}
            for entry in added:
                changes.setdefault(entry.bank, BankChange(entry.bank, origin=origin)).add([entry])
            records = [
                Record(Kind.BANK_ADD, actor, bank, change.payload(given=len(entries)))
                for bank, change in sorted(changes.items())
            ]
            append_many(s, records)
            return added

    def import_entries(
        self,
        bank: str,
        entries: Iterable[BankEntry],
        *,
        actor: str,
        batch: int = INSERT_BATCH,
        origin: str = "",
    ) -> tuple[int, int]:
        """Stream `entries` into `bank` in one transaction; returns (added, skipped).

        Memory stays flat however long the stream: batches are written as they come, and an
        exception from the iterable (a bad row) rolls back everything written before it.
        """
        added = skipped = 0
        change = BankChange(bank, origin=origin)
        with self._sessions.begin() as s:
            ids = {bank: bank_row(s, bank).id}
            for chunk in chunked(iter(entries), batch):
                if any(e.bank != bank for e in chunk):
                    raise ValueError(f"import_entries({bank!r}) got an entry of another bank")
                new = self._add(s, ids, chunk, skip_duplicates=True)
                change.add(new)
                added += len(new)
                skipped += len(chunk) - len(new)
            details = change.payload(skipped=skipped)
            append(s, Kind.BANK_IMPORT, actor=actor, subject=bank, payload=details)
        return added, skipped

    def _add(
        self,
        s: Session,
        ids: dict[str, int],
        entries: Sequence[BankEntry],
        skip_duplicates: bool,
    ) -> list[BankEntry]:
        for name in {e.bank for e in entries} - ids.keys():
            ids[name] = bank_row(s, name).id
        fresh: dict[_Key, BankEntry] = {}
        for entry in entries:
            _check(entry)
            key = (entry.bank, entry.signal.signal_type, entry.signal.value)
            if key in fresh:
                if skip_duplicates:
                    continue
                raise ConflictError(
                    f"{key[1]} signal {key[2]} is given twice for bank '{key[0]}'",
                    field="signal",
                )
            fresh[key] = entry
        now = utcnow()
        candidates = [
            e if e.public_id else _with_public_id(e, new_public_id("be")) for e in fresh.values()
        ]
        inserted: set[str] = set()
        try:
            for batch in chunked(candidates, INSERT_BATCH):
                rows = [_values(e, ids[e.bank], now) for e in batch]
                inserted.update(insert_new_entries(s, rows))
        except IntegrityError as exc:
            # The signal key is handled by ON CONFLICT; this is a reused public id.
            raise ConflictError(f"entries conflict with stored ones: {exc.orig}") from exc
        added = [e for e in candidates if e.public_id in inserted]
        if len(added) < len(candidates) and not skip_duplicates:
            e = next(e for e in candidates if e.public_id not in inserted)
            # Raising rolls back the whole transaction, rows inserted above included.
            raise ConflictError(
                f"{e.signal.signal_type} signal {e.signal.value} is already in bank '{e.bank}'",
                field="signal",
            )
        return added

    def remove_entry(
        self, bank: str, signal_type: str, value: str, *, actor: str, reason: str = ""
    ) -> None:
        with self._sessions.begin() as s:
            bank_id = bank_row(s, bank).id
            public_id = s.scalar(
                delete(BankEntryRow)
                .where(
                    BankEntryRow.bank_id == bank_id,
                    BankEntryRow.signal_type == signal_type,
                    BankEntryRow.signal_value == value,
                )
                .returning(BankEntryRow.public_id)
            )
            if public_id is None:
                raise NotFoundError(
                    f"bank '{bank}' has no {signal_type} signal {value}", field="signal"
                )
            details = {"type": signal_type, "value": value, "id": public_id, "reason": reason}
            append(s, Kind.BANK_REMOVE, actor=actor, subject=bank, payload=details)

    def set_entry_state(
        self,
        public_id: str,
        *,
        enabled: bool,
        disabled_until: datetime | None = None,
        actor: str,
        reason: str = "",
    ) -> BankEntry:
        if disabled_until is not None and disabled_until.utcoffset() is None:
            raise InputError("disabled_until must be timezone-aware", field="disabled_until")
        with self._sessions.begin() as s:
            hit = s.execute(
                select(BankEntryRow, BankRow.name)
                .join(BankRow, BankRow.id == BankEntryRow.bank_id)
                .where(BankEntryRow.public_id == public_id)
            ).one_or_none()
            if hit is None:
                raise NotFoundError(f"no bank entry with id '{public_id}'", field="public_id")
            row, bank = hit
            row.enabled = enabled
            row.disabled_until = disabled_until
            details = {"id": public_id, "enabled": enabled, "disabled_until": disabled_until}
            details.update(type=row.signal_type, value=row.signal_value, reason=reason)
            s.flush()
            append(s, Kind.BANK_ENTRY_STATE, actor=actor, subject=bank, payload=details)
            return _entry(row, bank)

    def list_entries(self, bank: str, *, offset: int = 0, limit: int = 100) -> list[BankEntry]:
        with self._sessions() as s:
            bank_id = bank_row(s, bank).id
            rows = s.scalars(
                select(BankEntryRow)
                .where(BankEntryRow.bank_id == bank_id)
                .order_by(BankEntryRow.id)
                .offset(offset)
                .limit(limit)
            )
            return [_entry(row, bank) for row in rows]

    def iter_entries(self, bank: str, *, batch: int = 10_000) -> Iterator[BankEntry]:
        """Every entry of `bank` in insertion order, streamed (for exports)."""
        with self._sessions() as s:
            bank_id = bank_row(s, bank).id
            stmt = (
                select(BankEntryRow)
                .where(BankEntryRow.bank_id == bank_id)
                .order_by(BankEntryRow.id)
                .execution_options(yield_per=batch)
            )
            for row in s.scalars(stmt):
                yield _entry(row, bank)

    def count_entries(self, bank: str) -> int:
        with self._sessions() as s:
            bank_id = bank_row(s, bank).id
            stmt = select(func.count()).where(BankEntryRow.bank_id == bank_id)
            return int(s.scalar(stmt) or 0)

    def iter_index_rows(
        self,
        signal_types: Collection[str],
        batch: int = 50_000,
        *,
        banks: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> Iterator[tuple[int, str, str]]:
        """(entry id, signal type, value) of entries active at `now`: see BankEntry.active."""
        now = now or utcnow()
        stmt = select(BankEntryRow.id, BankEntryRow.signal_type, BankEntryRow.signal_value).where(
            BankEntryRow.signal_type.in_(list(signal_types)),
            or_(BankEntryRow.expires_at.is_(None), BankEntryRow.expires_at > now),
            or_(BankEntryRow.disabled_until.is_(None), BankEntryRow.disabled_until <= now),
            or_(BankEntryRow.enabled, BankEntryRow.disabled_until.is_not(None)),
        )
        if banks is not None:
            stmt = stmt.join(BankRow, BankRow.id == BankEntryRow.bank_id).where(
                BankRow.name.in_(list(banks))
            )
        with self._sessions() as s:
            result = s.execute(stmt.execution_options(yield_per=batch))
            # Rows are not tuples; callers get plain ones (cheaper to hold millions of).
            for entry_id, signal_type, value in result:  # noqa: UP028
                yield entry_id, signal_type, value

    def get_entries_by_id(self, ids: Collection[int]) -> dict[int, BankEntry]:
        found: dict[int, BankEntry] = {}
        with self._sessions() as s:
            for chunk in chunked(sorted(set(ids)), IN_CHUNK):
                stmt = (
                    select(BankEntryRow, BankRow.name)
                    .join(BankRow, BankRow.id == BankEntryRow.bank_id)
                    .where(BankEntryRow.id.in_(chunk))
                )
                for row, bank in s.execute(stmt):
                    found[row.id] = _entry(row, bank)
        return found

    def get_entry(self, public_id: str) -> BankEntry:
        stmt = (
            select(BankEntryRow, BankRow.name)
            .join(BankRow, BankRow.id == BankEntryRow.bank_id)
            .where(BankEntryRow.public_id == public_id)
        )
        with self._sessions() as s:
            hit = s.execute(stmt).one_or_none()
        if hit is None:
            raise NotFoundError(f"no bank entry with id '{public_id}'", field="public_id")
        return _entry(*hit)

    def entry_ids(self, public_ids: Collection[str]) -> dict[str, int]:
        """Store ids (what indexes hold) of entries named by public id; unknown ones are absent."""
        wanted = list(public_ids)
        found: dict[str, int] = {}
        with self._sessions() as s:
            for chunk in chunked(wanted, IN_CHUNK):
                stmt = select(BankEntryRow.public_id, BankEntryRow.id).where(
                    BankEntryRow.public_id.in_(chunk)
                )
                found.update({str(row[0]): int(row[1]) for row in s.execute(stmt)})
        return found


def _with_public_id(entry: BankEntry, public_id: str) -> BankEntry:
    return replace(entry, public_id=public_id)


def _values(entry: BankEntry, bank_id: int, now: datetime) -> dict[str, object]:
    return {
        "bank_id": bank_id,
        "signal_type": entry.signal.signal_type,
        "signal_value": entry.signal.value,
        "category": entry.category,
        "provenance": entry.provenance,
        "author": entry.author,
        "reason": entry.reason,
        "tags": list(entry.tags),
        "expires_at": entry.expires_at,
        "enabled": entry.enabled,
        "disabled_until": entry.disabled_until,
        "public_id": entry.public_id,
        "created_at": now,
    }
