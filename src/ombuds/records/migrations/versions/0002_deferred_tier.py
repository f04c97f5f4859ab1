"""Deferred tier: policies may match rotated and mirrored images; decisions keep signals.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        batch.add_column(
            sa.Column("dihedral", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("confirm_bank", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("signals", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("signals")
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("confirm_bank")
        batch.drop_column("dihedral")
