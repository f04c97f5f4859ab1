"""Reasons sealed in the ledger: cases and appeals keep the salt of their reason's HMAC.

Frozen like 0001: types are spelled out rather than imported from the models.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    for table in ("cases", "appeals"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("reason_salt", sa.String(), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in ("appeals", "cases"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reason_salt")
