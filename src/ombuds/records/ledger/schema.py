"""The ledger's tables: the entries, and one head row that serialises appends.

Imported by the store (and so by the migrations' metadata) through `ombuds.records.ledger`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ombuds.records.schema import Base


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index(None, "kind", "seq"),
        Index(None, "actor", "seq"),
        Index(None, "subject", "seq"),
        Index(None, "created_at"),
    )

    # Assigned by the appender from the head row, not by the database: the chain needs
    # the number before the row is written, and a gap must mean a deleted entry.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str]
    actor: Mapped[str]
    subject: Mapped[str] = mapped_column(Text)
    payload: Mapped[Any]
    created_at: Mapped[datetime]
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class LedgerHeadRow(Base):
    """The newest entry's seq and digest, in one row.

    Every append updates this row first, so concurrent writers queue on its row lock
    (PostgreSQL) or on the database write lock (SQLite) and can never fork the chain.
    """

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
