"""The shipped migrations build exactly the ORM schema, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from ombuds.errors import ConfigError
from ombuds.records import Store
from ombuds.records.database import head_revision
from ombuds.records.schema import Base


def test_migrated_schema_equals_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()


def test_open_creates_the_folder_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "ombuds.db"
    Store.open(f"sqlite:///{db}").close()
    assert db.is_file()
    with Store.open(f"sqlite:///{db}") as store:
        assert store.count_decisions() == 0


def test_sqlite_has_foreign_keys_and_wal(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_in_memory_sqlite_keeps_its_schema_across_connections() -> None:
    with Store.open("sqlite://") as store:
        assert store.list_banks() == []


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "nosuchdialect://x/y",
        "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2",
    ],
)
def test_unusable_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        Store.open(url)
    assert info.value.field == "database_url"


def test_unwritable_sqlite_location_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError):
        Store.open(f"sqlite:///{blocker / 'sub' / 'ombuds.db'}")


def test_a_database_from_a_newer_version_is_refused(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError, match="newer Ombuds"):
        Store.open(sqlite_url)


def test_password_is_not_shown_in_errors() -> None:
    with pytest.raises(ConfigError) as info:
        Store.open("postgresql://u:s3cret@127.0.0.1:1/x?connect_timeout=2")
    assert "s3cret" not in str(info.value)
