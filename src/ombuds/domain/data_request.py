"""Data access requests: an authority or third party asks for records about users or content.

A request is registered by one person and approved (or refused) by another (the two-person
rule); only an approved request can be disclosed, and every disclosure is recorded with
exactly what left: the decision ids and a SHA-256 of the bytes handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    DISCLOSED = "disclosed"  # approved, and disclosed at least once


class PartyKind(StrEnum):
    AUTHORITY = "authority"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class DataScope:
    """Which records a request covers: decisions about these authors or content items,
    optionally within a time window. A request must name at least one author or item."""

    author_ids: tuple[str, ...] = ()
    content_ids: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def problem(self) -> tuple[str, str] | None:
        """(field, message) of what makes the scope unusable, else None."""
        if not self.author_ids and not self.content_ids:
            return "scope", "name at least one author id or content id: no blanket requests"
        if any(not i for i in (*self.author_ids, *self.content_ids)):
            return "scope", "ids must not be empty"
        if self.since and self.until and self.since >= self.until:
            return "scope.until", "until must be after since"
        return None


@dataclass(frozen=True, slots=True)
class DataRequest:
    request_id: str
    requesting_party: str  # who asks: the authority or third party, by name
    party_kind: PartyKind
    legal_basis: str  # the law, order or agreement the request relies on
    scope: DataScope
    description: str
    registered_by: str  # actor who registered it (the "requester" of the two-person rule)
    registered_at: datetime
    status: RequestStatus
    reviewed_by: str = ""  # actor who approved or refused it; never the one who registered
    reviewed_at: datetime | None = None
    review_reason: str = ""


@dataclass(frozen=True, slots=True)
class Disclosure:
    disclosure_id: str
    request_id: str
    disclosed_by: str
    disclosed_at: datetime
    decision_ids: tuple[str, ...]
    sha256: str  # of the exact bytes handed over
