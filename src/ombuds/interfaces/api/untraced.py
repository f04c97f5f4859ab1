"""Requests that must leave no trace: submissions whose every item was out of scope.

Ombuds analyses only content a policy covers; for the rest it answers `allow` and does
nothing else. The request-level counters (HTTP metrics, key use in the ledger) would still
say that such a request happened, so a route that answered only out-of-scope items marks
its request, and those counters skip it.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from starlette.types import Scope

from ombuds.domain import Decision, Reason

_FLAG = "ombuds_untraced"


def mark_if_out_of_scope(request: Request, decisions: Iterable[Decision]) -> None:
    """Mark the request untraced when it decided at least one item and all were out of scope."""
    reasons = [d.reason for d in decisions]
    if reasons and all(r is Reason.OUT_OF_SCOPE for r in reasons):
        setattr(request.state, _FLAG, True)


def is_untraced(scope: Scope, status: int) -> bool:
    """Only a successful answer is untraced; a refused request analysed nothing either way."""
    return 200 <= status < 300 and bool((scope.get("state") or {}).get(_FLAG))
