"""Real database conditions for tests of the decision writer, on SQLite and PostgreSQL.

`poisoned(store)`: a trigger that makes the database itself refuse any decision row whose
content id is `POISON`, as a full disk or a constraint would. `write_locked(store)`: another
connection holds the write lock, so the writer's next transaction waits until it is let go.
`decision_transactions(store)`: how many transactions recorded decisions, from any process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ombuds.records import Store
from ombuds.records.ledger import Kind, LedgerQuery

POISON = "poison"

_SQLITE_TRIGGER = f"""
CREATE TRIGGER poison BEFORE INSERT ON decisions WHEN NEW.content_id = '{POISON}'
BEGIN SELECT RAISE(ABORT, 'poisoned content id'); END
"""
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ombuds_test_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.content_id = '{POISON}' THEN RAISE EXCEPTION 'poisoned content id'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER poison BEFORE INSERT ON decisions
FOR EACH ROW EXECUTE FUNCTION ombuds_test_poison()
"""


def _sqlite(store: Store) -> bool:
    return store.engine.dialect.name == "sqlite"


@contextmanager
def poisoned(store: Store) -> Iterator[None]:
    with store.engine.begin() as conn:
        if _sqlite(store):
            conn.exec_driver_sql(_SQLITE_TRIGGER)
        else:
            conn.exec_driver_sql(_PG_FUNCTION)
            conn.exec_driver_sql(_PG_TRIGGER)
    try:
        yield
    finally:
        # The PostgreSQL store outlives the test: its tables are emptied, not dropped.
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "DROP TRIGGER poison" if _sqlite(store) else "DROP TRIGGER poison ON decisions"
            )


@contextmanager
def write_locked(store: Store) -> Iterator[None]:
    """Hold the write lock from a connection of its own until the block ends."""
    if _sqlite(store):
        database = store.engine.url.database
        assert database is not None
        conn = sqlite3.connect(database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with store.engine.connect() as pg:
        pg.exec_driver_sql("LOCK TABLE decisions IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


def decision_transactions(store: Store) -> int:
    """How many transactions recorded decisions, in any process: one ledger entry each."""
    query = LedgerQuery(kind=Kind.DECISIONS, limit=1_000)
    return len(store.ledger_entries(query))
