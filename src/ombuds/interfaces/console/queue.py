"""The review queue: cases with their evidence, and a moderator's decision on each.

Images are shown from the platform's `preview_url`, blurred and greyscale until revealed
(moderator wellbeing). A confirmation may bank the content's signals, which the running
engine learns at once, so the next copy is stopped inline.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ombuds.domain import Case, CaseStatus, Evidence, Outcome
from ombuds.errors import NotFoundError
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.console.web import (
    PREFIX,
    READERS,
    Refused,
    Viewer,
    allow,
    csrf_checked,
    flash,
    go_to,
    is_htmx,
    render,
    runtime,
)
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD
from ombuds.records import Store
from ombuds.records.repos.keys import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
Moderator = Annotated[Viewer, Depends(allow(Role.MODERATOR))]
Status = Literal["open", "escalated", "confirmed", "rejected", "all"]
PAGE = 50
_DONE = {"confirm": "confirmed", "reject": "rejected", "escalate": "escalated"}


def _listing(store: Store, status: Status, offset: int) -> tuple[list[Case], int]:
    wanted = None if status == "all" else CaseStatus(status)
    cases = store.list_cases(status=wanted, offset=offset, limit=PAGE)
    return cases, store.count_cases(status=wanted)


def _bank_view(store: Store, evidence: Evidence) -> dict[str, Any]:
    try:
        entry = store.get_entry(evidence.rule_id)
    except NotFoundError:
        entry = None
    threshold = None
    if evidence.signal_type == "pdq":
        try:
            threshold = store.get_bank(evidence.name).threshold
        except NotFoundError:
            threshold = None
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    return {"evidence": evidence, "entry": entry, "threshold": threshold}


def _detail(store: Store, case: Case) -> dict[str, Any]:
    """Everything the case panel shows: evidence, preview, the banks it may go to."""
    decision = store.get_decision(case.decision_id)
    try:
        policy = store.get_policy(case.policy)
        banks, confirm_bank = list(policy.banks), policy.confirm_bank
    except NotFoundError:  # the policy was deleted since: nothing to bank into
        banks, confirm_bank = [], ""
    matched_banks = [e.name for e in case.evidence if e.source == "bank" and e.name in banks]
    default_bank = confirm_bank or (matched_banks[0] if matched_banks else "")
    return {
        "case": case,
        "decision": decision,
        "preview_url": decision.extra.get("preview_url", ""),
        "bank_evidence": [_bank_view(store, e) for e in case.evidence if e.source == "bank"],
        "text_evidence": [e for e in case.evidence if e.source == "lexicon"],
        "banks": banks,
        "default_bank": default_bank or (banks[0] if banks else ""),
        "can_bank": bool(decision.signals) and bool(banks),
    }


def _neighbours(cases: list[Case], case: Case | None) -> tuple[str, str]:
    ids = [c.case_id for c in cases]
    if case is None or case.case_id not in ids:
        return "", ""
    at = ids.index(case.case_id)
    before = ids[at - 1] if at > 0 else ""
    after = ids[at + 1] if at + 1 < len(ids) else ""
    return before, after


def _queue_context(
    rt: Runtime, status: Status, offset: int, selected: str | None
) -> dict[str, Any]:
    store = rt.store
    cases, total = _listing(store, status, offset)
    case = None
    if selected:
        case = store.get_case(selected)
    elif cases:
        case = cases[0]
    previous, following = _neighbours(cases, case)
    context: dict[str, Any] = {
        "cases": cases,
        "total": total,
        "status": status,
        "offset": offset,
        "page": PAGE,
        "selected": case.case_id if case else "",
        "previous": previous,
        "following": following,
        "detail": _detail(store, case) if case else None,
    }
    return context


@router.get("/queue")
def queue_page(
    request: Request,
    viewer: Reader,
    status: Status = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
    case: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    context = _queue_context(runtime(request), status, offset, case or None)
    return render(request, "queue.html", context, viewer=viewer)


@router.get("/queue/{case_id}")
def case_panel(
    request: Request,
    case_id: str,
    viewer: Reader,
    status: Status = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    context = _queue_context(runtime(request), status, offset, case_id)
    template = "_queue_swap.html" if is_htmx(request) else "queue.html"
    return render(request, template, context, viewer=viewer)


@router.post("/queue/{case_id}/decide", dependencies=[Depends(csrf_checked)])
def decide(
    request: Request,
    case_id: str,
    viewer: Moderator,
    outcome: Annotated[Literal["confirm", "reject", "escalate"], Form()],
    reason: Annotated[str, Form(max_length=4_000)] = "",
    bank: Annotated[str, Form(max_length=200)] = "",
    next_case: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    rt = runtime(request)
    store = rt.store
    case = store.get_case(case_id)
    if case.status is not CaseStatus.OPEN:
        raise Refused(409, f"case {case_id} is already {case.status.value}")
    if "\x00" in reason:
        raise Refused(422, "the reason contains a NUL character (reason)")
    banking = outcome == "confirm" and bank != ""
    desk = rt.review_desk()
    result = desk.decide(
        case_id,
        Outcome(outcome),
        by=viewer.name,
        reason=reason,
        actor=viewer.actor,
        bank=bank if banking else None,
    )
    banked = list(result.banked)
    message = f"Case {case_id} {_DONE[outcome]}."
    if banking:
        added = f": {', '.join(banked)}" if banked else " (all were banked already)"
        message += f" Banked {len(banked)} signal(s) in '{bank}'{added}."
    flash(request, "ok", message)
    following = _next_open(store, next_case)
    if not is_htmx(request):
        return go_to(request, f"{PREFIX}/queue" + (f"?case={following}" if following else ""))
    context = _queue_context(rt, "open", 0, following or None)
    return render(request, "_queue_swap.html", context, viewer=viewer)


def _next_open(store: Store, wanted: str) -> str:
    """The case that followed the decided one, if still open; else the oldest open one."""
    if wanted:
        try:
            if store.get_case(wanted).status is CaseStatus.OPEN:
                return wanted
        except NotFoundError:
            pass
    first = store.list_cases(status=CaseStatus.OPEN, limit=1)
    return first[0].case_id if first else ""
