"""Retention's claim from indexes: decisions by (purge_batch, created_at); cases and
appeals by (decision_id, status).

The single-column purge_batch index made SQLite read every unpurged decision and sort the
due ones at every purge batch; the composite index gives the oldest due rows in order. The
"no open case or appeal" check per decision walked every open case and appeal.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_index("ix_decisions_purge_batch", table_name="decisions")
    op.create_index(
        "ix_decisions_purge_batch_created_at", "decisions", ["purge_batch", "created_at"]
    )
    for table in ("cases", "appeals"):
        op.drop_index(f"ix_{table}_decision_id", table_name=table)
        op.create_index(f"ix_{table}_decision_id_status", table, ["decision_id", "status"])


def downgrade() -> None:
    for table in ("cases", "appeals"):
        op.drop_index(f"ix_{table}_decision_id_status", table_name=table)
        op.create_index(f"ix_{table}_decision_id", table, ["decision_id"])
    op.drop_index("ix_decisions_purge_batch_created_at", table_name="decisions")
    op.create_index("ix_decisions_purge_batch", "decisions", ["purge_batch"])
