"""Transparency reports in the console: every release, its noisy counts and their stated
accuracy; admins release a new one (spending privacy budget) from the same page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ombuds.engine.transparency import MAX_CONTRIBUTIONS, ReportRequest, release
from ombuds.errors import ConflictError, InputError
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
from ombuds.records.reports import Window
from ombuds.records.repos.keys import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
Admin = Annotated[Viewer, Depends(allow(Role.ADMIN))]


@router.get("/reports")
def reports_page(request: Request, viewer: Reader) -> Response:
    rt = runtime(request)
    releases = list(reversed(rt.store.reports.releases()))  # newest first
    context = {
        "releases": releases,
        "budget": rt.settings.report_epsilon_budget,
        "max_contributions": MAX_CONTRIBUTIONS,
    }
    return render(request, "reports.html", context, viewer=viewer)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@router.post("/reports", dependencies=[Depends(csrf_checked)])
def release_report(
    request: Request,
    viewer: Admin,
    since: Annotated[date, Form()],
    until: Annotated[date, Form()],
    epsilon: Annotated[float, Form()] = 1.0,
    contributions: Annotated[int, Form()] = 10,
) -> Response:
    rt = runtime(request)
    asked = ReportRequest(Window(_midnight(since), _midnight(until)), epsilon, contributions)
    try:
        entry, new = release(
            rt.store, asked, budget=rt.settings.report_epsilon_budget, actor=viewer.actor
        )
    except (ConflictError, InputError) as exc:
        where = f" ({exc.field})" if exc.field else ""
        flash(request, "error", f"Not released{where}: {exc.message}")
    else:
        done = "released" if new else "was released before"
        flash(request, "ok", f"Report {since} to {until} {done} (ledger seq {entry.seq}).")
    return go_to(request, f"{PREFIX}/reports")
