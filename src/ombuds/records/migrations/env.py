"""Alembic environment for Ombuds' own migrations.

Ombuds runs migrations in code (`ombuds.records.database.upgrade`), which hands over an open
connection through `config.attributes`; there is no alembic.ini and no offline (SQL script)
mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from ombuds.records.schema import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode lets later migrations copy-and-move.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("Ombuds migrations run through ombuds.records.database.upgrade()")
_run(connection)
