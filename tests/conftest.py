"""Database fixtures: a store on a fresh SQLite file and on a real PostgreSQL database.

The PostgreSQL database is created once per test session with a unique name and dropped
afterwards; each test gets empty tables. If no server answers on 127.0.0.1:5432 the
PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombuds.records import Store
from ombuds.records.schema import Base

PG_HOST = os.environ.get("OMBUDS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("OMBUDS_TEST_PG_PORT", "5432"))
PG_USERS = ("postgres", "root")


def _admin_connection() -> tuple[object, str] | str:
    """(autocommit connection, user) or the reason no server can be used."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    reasons = []
    for user in PG_USERS:
        try:
            conn = psycopg.connect(
                host=PG_HOST,
                port=PG_PORT,
                user=user,
                dbname="postgres",
                autocommit=True,
                connect_timeout=3,
            )
        except psycopg.Error as exc:
            reasons.append(f"{user}: {str(exc).strip().splitlines()[0]}")
            continue
        return conn, user
    return f"PostgreSQL at {PG_HOST}:{PG_PORT} unusable ({'; '.join(reasons)})"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    found = _admin_connection()
    if isinstance(found, str):
        pytest.skip(found)
    conn, user = found
    name = f"ombuds_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def _pg_store(pg_url: str) -> Iterator[Store]:
    store = Store.open(pg_url)
    yield store
    store.close()


def _empty(store: Store) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'ombuds.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Store]:
    """An empty, migrated store on each backend."""
    if request.param == "sqlite":
        opened = Store.open(sqlite_url)
        yield opened
        opened.close()
        return
    pg_store: Store = request.getfixturevalue("_pg_store")
    _empty(pg_store)
    yield pg_store
