"""The ledger: an append-only, hash-chained record of everything that changes state.

Also gives decisions their digest, the ledger batch that commits to it, and the time
retention batch that purged them.

Frozen like 0001: types are spelled out rather than imported from the models.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("prev_digest", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    for columns in (["kind", "seq"], ["actor", "seq"], ["subject", "seq"], ["created_at"]):
        name = op.f(f"ix_ledger_entries_{'_'.join(columns)}")
        op.create_index(name, "ledger_entries", columns, unique=False)
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("ledger_batch", sa.String(), nullable=True))
        batch.add_column(sa.Column("purge_batch", sa.String(), nullable=True))
    for column in ("ledger_batch", "purge_batch"):
        op.create_index(op.f(f"ix_decisions_{column}"), "decisions", [column], unique=False)


def downgrade() -> None:
    for column in ("ledger_batch", "purge_batch"):
        op.drop_index(op.f(f"ix_decisions_{column}"), table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("purge_batch")
        batch.drop_column("ledger_batch")
        batch.drop_column("digest")
    op.drop_table("ledger_head")
    for columns in (["kind", "seq"], ["actor", "seq"], ["subject", "seq"], ["created_at"]):
        op.drop_index(op.f(f"ix_ledger_entries_{'_'.join(columns)}"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
