"""Data access requests as the engine serves them, and the accountability numbers of the
transparency report (appeals by outcome and time to decision, data requests by status and
legal basis). The counts here are exact; noise for publication is the report's business.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from typing import Any

from ombuds.domain import Decision
from ombuds.domain.appeal import AppealStatus
from ombuds.domain.data_request import DataRequest, DataScope, Disclosure, PartyKind
from ombuds.engine.serialize import decision_as_dict
from ombuds.errors import InputError
from ombuds.records import Store

MAX_TEXT = 4_000  # characters of a party name, legal basis or description


def _text(value: str, field: str, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise InputError("must not be empty", field=field)
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InputError(f"at most {MAX_TEXT} characters, no NUL", field=field)
    return text


def register(
    store: Store,
    *,
    requesting_party: str,
    party_kind: PartyKind,
    legal_basis: str,
    scope: DataScope,
    description: str = "",
    actor: str,
) -> DataRequest:
    """Register a pending request; InputError naming the field that cannot be used."""
    return store.data_requests.register(
        _text(requesting_party, "requesting_party"),
        party_kind,
        _text(legal_basis, "legal_basis"),
        scope,
        description=_text(description, "description", required=False),
        actor=actor,
    )


def render_disclosure(decisions: Sequence[Decision]) -> bytes:
    """What a disclosure hands over: one JSON line per decision, with the ids a request is
    about (author and conversation) that `decision_as_dict` leaves out."""
    lines = []
    for d in decisions:
        row: dict[str, Any] = decision_as_dict(d)
        row.update(
            author_id=d.author_id,
            conversation_id=d.conversation_id,
            created_at=d.created_at.isoformat(),
            supersedes=d.supersedes,
        )
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return "".join(lines).encode("utf-8")


def disclose(store: Store, request_id: str, *, actor: str) -> tuple[Disclosure, bytes]:
    """Disclose what an approved request covers; ConflictError unless it is approved."""
    return store.data_requests.disclose(request_id, render_disclosure, actor=actor)


def transparency_counts(store: Store) -> dict[str, Any]:
    """Exact counts for the transparency report's accountability section."""
    times = store.appeals.decision_times()
    seconds = [(decided - opened).total_seconds() for _s, opened, decided in times]
    return {
        "appeals": {
            "by_outcome": {s.value: store.appeals.count(status=s) for s in AppealStatus},
            "decided": len(seconds),
            "median_seconds_to_decision": statistics.median(seconds) if seconds else None,
        },
        "data_requests": {
            "by_status": store.data_requests.counts_by("status"),
            "by_legal_basis": store.data_requests.counts_by("legal_basis"),
            "by_party_kind": store.data_requests.counts_by("party_kind"),
        },
    }
