"""Tables of the accountability layer: appeals, data access requests and their disclosures,
and the DSA export profile. Same `Base` (and so the same metadata and migrations check) as
`ombuds.records.schema`; migration 0007 creates them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ombuds.records.schema import Base


class AppealRow(Base):
    __tablename__ = "appeals"
    # (decision_id, status): "is this decision under an open case/appeal", which retention
    # asks of every decision it purges, from the index alone.
    __table_args__ = (Index(None, "status", "opened_at"), Index(None, "decision_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(unique=True)
    # One appeal per notice: a second filing is a conflict, not a second review. No foreign
    # key: retention may purge the decision and its notice while the appeal stays on record.
    notice_id: Mapped[str] = mapped_column(unique=True)
    decision_id: Mapped[str]
    content_id: Mapped[str]
    statement: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str]
    opened_at: Mapped[datetime]
    status: Mapped[str]
    first_deciders: Mapped[Any]
    decided_by: Mapped[str] = mapped_column(default="")
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_salt: Mapped[str] = mapped_column(default="")  # see records.ledger.sealed
    reversal_decision_id: Mapped[str | None]
    disabled_entries: Mapped[Any]
    flagged_entries: Mapped[Any]


class DataRequestRow(Base):
    __tablename__ = "data_requests"
    __table_args__ = (Index(None, "status", "registered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(unique=True)
    requesting_party: Mapped[str] = mapped_column(Text)
    party_kind: Mapped[str]
    legal_basis: Mapped[str] = mapped_column(Text)
    scope: Mapped[Any]
    description: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[str]
    registered_at: Mapped[datetime]
    status: Mapped[str]
    reviewed_by: Mapped[str] = mapped_column(default="")
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str] = mapped_column(Text, default="")


class DisclosureRow(Base):
    __tablename__ = "data_disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(unique=True)
    # Requests are never deleted: what was disclosed under them must stay explainable.
    request_id: Mapped[str] = mapped_column(
        ForeignKey("data_requests.public_id", ondelete="RESTRICT"), index=True
    )
    disclosed_by: Mapped[str]
    disclosed_at: Mapped[datetime]
    decision_ids: Mapped[Any]
    sha256: Mapped[str]


class DsaProfileRow(Base):
    """The one DSA export profile (row id 1): the operator's mapping of Ombuds categories to
    the Transparency Database's, and the statement fields Ombuds cannot know by itself."""

    __tablename__ = "dsa_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[Any]
    updated_by: Mapped[str]
    updated_at: Mapped[datetime]
