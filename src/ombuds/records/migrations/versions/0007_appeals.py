"""Accountability: appeals, data access requests and disclosures, the DSA export profile.

Frozen like 0001: types are spelled out rather than imported from the models.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def _appeals() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(), nullable=False),
        sa.Column("notice_id", sa.String(), nullable=False),
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("content_id", sa.String(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("opened_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("first_deciders", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reversal_decision_id", sa.String(), nullable=True),
        sa.Column("disabled_entries", sa.JSON(), nullable=False),
        sa.Column("flagged_entries", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("public_id", name=op.f("uq_appeals_public_id")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_appeals_notice_id")),
    )
    op.create_index(op.f("ix_appeals_decision_id"), "appeals", ["decision_id"], unique=False)
    op.create_index(
        op.f("ix_appeals_status_opened_at"), "appeals", ["status", "opened_at"], unique=False
    )


def _data_requests() -> None:
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(), nullable=False),
        sa.Column("requesting_party", sa.Text(), nullable=False),
        sa.Column("party_kind", sa.String(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.String(), nullable=False),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reviewed_by", sa.String(), nullable=False),
        sa.Column("reviewed_at", TIMESTAMP, nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_data_requests_public_id")),
    )
    op.create_index(
        op.f("ix_data_requests_status_registered_at"),
        "data_requests",
        ["status", "registered_at"],
        unique=False,
    )
    op.create_table(
        "data_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(), nullable=False),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("disclosed_by", sa.String(), nullable=False),
        sa.Column("disclosed_at", TIMESTAMP, nullable=False),
        sa.Column("decision_ids", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_requests.public_id"],
            name=op.f("fk_data_disclosures_request_id_data_requests"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_disclosures")),
        sa.UniqueConstraint("public_id", name=op.f("uq_data_disclosures_public_id")),
    )
    op.create_index(
        op.f("ix_data_disclosures_request_id"), "data_disclosures", ["request_id"], unique=False
    )


def upgrade() -> None:
    _appeals()
    _data_requests()
    op.create_table(
        "dsa_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_profiles")),
    )


def downgrade() -> None:
    op.drop_table("dsa_profiles")
    op.drop_index(op.f("ix_data_disclosures_request_id"), table_name="data_disclosures")
    op.drop_table("data_disclosures")
    op.drop_index(op.f("ix_data_requests_status_registered_at"), table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_index(op.f("ix_appeals_status_opened_at"), table_name="appeals")
    op.drop_index(op.f("ix_appeals_decision_id"), table_name="appeals")
    op.drop_table("appeals")
