"""What a running service needs of banks beyond adding and removing entries: changing a
bank's settings, finding an entry with its store id, and the entries disabled until a
later time (the live indexes hold those too; see `ombuds.engine.banks.indexable`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ombuds.domain import Bank, BankEntry
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records.ledger import Kind, append
from ombuds.records.repos.banks import _bank, _entry
from ombuds.records.repos.common import Sessions, bank_row, policies_naming
from ombuds.records.schema import BankEntryRow, BankRow
from ombuds.records.types import utcnow

BANK_SETTINGS = frozenset({"name", "category", "description", "threshold"})


def _rename(s: Session, row: BankRow, new_name: str) -> None:
    users = policies_naming(s, "banks", row.name)
    if users:
        raise ConflictError(
            f"bank '{row.name}' is used by policies ({', '.join(users)}): "
            "rename it there first, or make a new bank",
            field="name",
        )
    if s.scalar(select(BankRow.id).where(BankRow.name == new_name)) is not None:
        raise ConflictError(f"a bank named '{new_name}' exists", field="name")
    row.name = new_name


class BankSettingsRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def update_bank(self, name: str, changes: Mapping[str, Any], *, actor: str) -> Bank:
        """Apply `changes` (a subset of BANK_SETTINGS) to a bank, all or nothing."""
        unknown = sorted(set(changes) - BANK_SETTINGS)
        if unknown:
            raise InputError(f"banks have no setting '{unknown[0]}'", field=unknown[0])
        with self._sessions.begin() as s:
            row = bank_row(s, name)
            before = _bank(row)
            new_name = changes.get("name", row.name)
            if new_name != row.name:
                _rename(s, row, new_name)
            for key in ("category", "description", "threshold"):
                if key in changes:
                    setattr(row, key, changes[key])
            s.flush()
            after = _bank(row)
            changed = {
                key: {"from": getattr(before, key), "to": getattr(after, key)}
                for key in sorted(changes)
                if getattr(before, key) != getattr(after, key)
            }
            if changed:
                append(s, Kind.BANK_UPDATE, actor=actor, subject=name, payload=changed)
            return after

    def locate_entry(self, public_id: str) -> tuple[int, BankEntry]:
        """The entry a public id names, with its store id (what the indexes hold)."""
        with self._sessions() as s:
            hit = s.execute(
                select(BankEntryRow, BankRow.name)
                .join(BankRow, BankRow.id == BankEntryRow.bank_id)
                .where(BankEntryRow.public_id == public_id)
            ).one_or_none()
        if hit is None:
            raise NotFoundError(f"no bank entry with id '{public_id}'", field="public_id")
        row, bank = hit
        return int(row.id), _entry(row, bank)

    def find_entry(self, bank: str, signal_type: str, value: str) -> tuple[int, BankEntry]:
        """The entry of a bank holding a signal, with its store id; NotFoundError."""
        with self._sessions() as s:
            bank_id = bank_row(s, bank).id
            row = s.scalars(
                select(BankEntryRow).where(
                    BankEntryRow.bank_id == bank_id,
                    BankEntryRow.signal_type == signal_type,
                    BankEntryRow.signal_value == value,
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(
                    f"bank '{bank}' has no {signal_type} signal {value}", field="signal"
                )
            return int(row.id), _entry(row, bank)

    def iter_suspended_rows(
        self,
        signal_types: Collection[str],
        batch: int = 50_000,
        *,
        banks: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> Iterator[tuple[int, str, str]]:
        """(entry id, signal type, value) of unexpired entries disabled until after `now`:
        inactive now, active by themselves later. `banks` limits them to those banks."""
        now = now or utcnow()
        stmt = select(BankEntryRow.id, BankEntryRow.signal_type, BankEntryRow.signal_value).where(
            BankEntryRow.signal_type.in_(list(signal_types)),
            and_(BankEntryRow.disabled_until.is_not(None), BankEntryRow.disabled_until > now),
            (BankEntryRow.expires_at.is_(None)) | (BankEntryRow.expires_at > now),
        )
        if banks is not None:
            stmt = stmt.join(BankRow, BankRow.id == BankEntryRow.bank_id).where(
                BankRow.name.in_(list(banks))
            )
        with self._sessions() as s:
            result = s.execute(stmt.execution_options(yield_per=batch))
            for entry_id, signal_type, value in result:  # noqa: UP028 - plain tuples, see banks
                yield entry_id, signal_type, value
