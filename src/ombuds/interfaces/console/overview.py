"""The overview: the queue's state, what is stored, the engine's health, latest decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ombuds.domain import CaseStatus
from ombuds.interfaces.console.web import PREFIX, READERS, Viewer, allow, render, runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
LATEST = 15


@router.get("/overview")
def overview(request: Request, viewer: Reader) -> Response:
    rt = runtime(request)
    store = rt.store
    cases = {status.value: store.count_cases(status=status) for status in CaseStatus}
    banks = store.list_banks()
    policies = store.list_policies()
    context = {
        "cases": cases,
        "decisions": store.count_decisions(),
        "banks": len(banks),
        "entries": sum(count for _, count in banks),
        "policies": policies,
        "enabled": sum(1 for p in policies if p.enabled),
        "lexicons": len(store.list_lexicons()),
        "snapshot": rt.snapshot(),
        "latest": store.recent_decisions(limit=LATEST),
    }
    return render(request, "overview.html", context, viewer=viewer)
