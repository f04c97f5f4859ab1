"""Bulk insert of bank entries that skips signals already banked, fast on both backends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ombuds.errors import ConfigError
from ombuds.records.schema import BankEntryRow

_KEY = ("bank_id", "signal_type", "signal_value")
_COLUMNS = (
    *_KEY,
    "category",
    "provenance",
    "author",
    "reason",
    "tags",
    "expires_at",
    "enabled",
    "disabled_until",
    "public_id",
    "created_at",
)

# One statement per batch with one array parameter per column: the statement text stays
# short and constant, so psycopg need not re-scan a 13-parameters-per-row VALUES list
# (that scan was ~90 % of the time of a multi-row INSERT here: 150 s -> 4 s for 100k rows).
_PG_INSERT = text(
    """
    INSERT INTO bank_entries (
        bank_id, signal_type, signal_value, category, provenance, author, reason, tags,
        expires_at, enabled, disabled_until, public_id, created_at
    )
    SELECT * FROM unnest(
        CAST(:bank_id AS integer[]), CAST(:signal_type AS varchar[]),
        CAST(:signal_value AS varchar[]), CAST(:category AS varchar[]),
        CAST(:provenance AS text[]), CAST(:author AS varchar[]), CAST(:reason AS text[]),
        CAST(:tags AS json[]), CAST(:expires_at AS timestamptz[]), CAST(:enabled AS boolean[]),
        CAST(:disabled_until AS timestamptz[]), CAST(:public_id AS varchar[]),
        CAST(:created_at AS timestamptz[])
    )
    ON CONFLICT (bank_id, signal_type, signal_value) DO NOTHING
    RETURNING public_id
    """
)


def insert_new_entries(s: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Insert rows whose (bank, signal) is not stored yet; returns the public ids inserted.

    The unique index finds signals already banked (including rows written earlier in the
    same transaction) in the same round trip as the insert. A SELECT-first check is not
    reliable on PostgreSQL: during a large import the planner's statistics still describe
    the table as it was, and the check degrades to scanning the whole bank per batch.
    """
    if not rows:
        return []
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        params: dict[str, list[Any]] = {name: [row[name] for row in rows] for name in _COLUMNS}
        params["tags"] = [json.dumps(tags) for tags in params["tags"]]
        return list(s.scalars(_PG_INSERT, params))
    if dialect == "sqlite":
        stmt = (
            sqlite_insert(BankEntryRow)
            .on_conflict_do_nothing(index_elements=list(_KEY))
            .returning(BankEntryRow.public_id)
        )
        return list(s.scalars(stmt, list(rows)))
    raise ConfigError(f"unsupported database: {dialect}")
