"""Engines and schema migrations: open a database URL, tune SQLite, upgrade to head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ombuds.errors import ConfigError, MissingExtraError
from ombuds.records.json_text import column_encoder

# Alembic resolves "package:folder" through importlib.resources, so migrations ship in the wheel.
SCRIPT_LOCATION = "ombuds.records:migrations"
# Arbitrary but fixed: serialises concurrent first starts against one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x0B0D5


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}", field="database_url") from exc
    # psycopg 3 is the driver Ombuds ships with; SQLAlchemy's bare default is psycopg2.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or (url.query.get("mode") == "memory")


def is_in_memory(url: str) -> bool:
    """Whether `url` is an in-memory SQLite database, which no other process can open."""
    parsed = parse_url(url)
    return parsed.get_backend_name() == "sqlite" and _is_memory(parsed)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # Off by default in SQLite: without it ON DELETE CASCADE and FKs are ignored.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers (the engine loading indexes) run while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for `url`, with the SQLite file's folder created; raises ConfigError."""
    parsed = parse_url(url)
    # The JSON columns' text as json.dumps gives it, at a third of the cost per value.
    kwargs: dict[str, Any] = {"json_serializer": column_encoder()}
    if parsed.get_backend_name() == "sqlite":
        if _is_memory(parsed):
            # One shared connection, or each pooled connection would see its own empty db.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif parsed.database:
            try:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create the folder for {parsed.database}: {exc.strerror}",
                    field="database_url",
                ) from exc
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise ConfigError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}",
            field="database_url",
        ) from exc
    except ModuleNotFoundError as exc:
        raise MissingExtraError(exc.name or "psycopg", "postgres") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; raises ConfigError if the db is unusable."""
    where = engine.url.render_as_string(hide_password=True)
    cfg = alembic_config()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Transaction-scoped: released when the migration commits or fails.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except CommandError as exc:
        # Typically a revision this version does not know: the db was migrated by a newer Ombuds.
        raise ConfigError(
            f"cannot migrate {where}: {exc} (was it created by a newer Ombuds?)",
            field="database_url",
        ) from exc
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(f"cannot use database {where}: {reason}", field="database_url") from exc
