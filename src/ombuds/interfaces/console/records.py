"""Appeals (a moderator who did not take the first decision upholds or reverses it) and the
ledger browser (every state change, hash-chained; filter by kind and actor, page on)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.errors import NotFoundError
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.console.web import (
    PREFIX,
    READERS,
    Viewer,
    allow,
    csrf_checked,
    flash,
    go_to,
    render,
    runtime,
)
from ombuds.records.ledger.model import Kind, LedgerQuery
from ombuds.records.repos.keys import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
Moderator = Annotated[Viewer, Depends(allow(Role.MODERATOR))]
PAGE = 50
KINDS = sorted(v for k, v in vars(Kind).items() if k.isupper() and isinstance(v, str))


@router.get("/appeals")
def appeals_page(
    request: Request,
    viewer: Reader,
    status: Literal["open", "upheld", "reversed", "all"] = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    store = runtime(request).store
    wanted = None if status == "all" else AppealStatus(status)
    appeals = store.appeals.list_appeals(status=wanted, offset=offset, limit=PAGE)
    notices = {a.appeal_id: _notice(runtime(request), a.decision_id) for a in appeals}
    context = {
        "appeals": appeals,
        "notices": notices,
        "total": store.appeals.count(status=wanted),
        "status": status,
        "offset": offset,
        "page": PAGE,
    }
    return render(request, "appeals.html", context, viewer=viewer)


def _notice(rt: Runtime, decision_id: str) -> dict[str, str]:
    """What the appealed decision was, if it is still stored (retention may purge it)."""
    try:
        decision = rt.store.get_decision(decision_id)
    except NotFoundError:
        return {}
    return {
        "action": decision.action.value,
        "category": decision.category,
        "policy": decision.policy,
        "kind": decision.content_kind,
        "preview_url": decision.extra.get("preview_url", ""),
    }


@router.post("/appeals/{appeal_id}/decide", dependencies=[Depends(csrf_checked)])
def decide_appeal(
    request: Request,
    appeal_id: str,
    viewer: Moderator,
    outcome: Annotated[Literal["upheld", "reversed"], Form()],
    reason: Annotated[str, Form(min_length=1, max_length=10_000)],
) -> Response:
    rt = runtime(request)
    desk = rt.appeal_desk()
    result = desk.decide(appeal_id, AppealOutcome(outcome), reason, actor=viewer.actor)
    disabled = result.appeal.disabled_entries
    if disabled:
        refs = rt.store.entry_ids(disabled)
        rt.refresh({ref: rt.store.get_entry(pid) for pid, ref in refs.items()})
    message = f"Appeal {appeal_id} {outcome}."
    if result.reversal is not None:
        message += f" The content is restored (decision {result.reversal.decision_id})."
    if disabled:
        message += f" Disabled bank entries: {', '.join(disabled)}."
    flash(request, "ok", message)
    return go_to(request, f"{PREFIX}/appeals")


@router.get("/ledger")
def ledger_page(
    request: Request,
    viewer: Reader,
    kind: Annotated[str, Query(max_length=100)] = "",
    actor: Annotated[str, Query(max_length=300)] = "",
    after: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    query = LedgerQuery(kind=kind or None, actor=actor or None, after=after, limit=PAGE)
    entries = runtime(request).store.ledger_entries(query)
    context = {
        "entries": entries,
        "payloads": {e.seq: json.dumps(e.payload, sort_keys=True, default=str) for e in entries},
        "kinds": KINDS,
        "kind": kind,
        "actor": actor,
        "after": after,
        "next_after": entries[-1].seq if len(entries) == PAGE else 0,
    }
    return render(request, "ledger.html", context, viewer=viewer)
