"""The application factory: `create_app(settings)`. Nothing is loaded at import time; the
store and engine are built in the lifespan, in a thread, while `/v1/health/live` answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import ombuds
from ombuds.interfaces import console
from ombuds.interfaces.api import (
    bank_files,
    banks,
    content,
    hma,
    hma_curation,
    lexicons,
    policies,
)
from ombuds.interfaces.api.appeals import router as appeals_router
from ombuds.interfaces.api.auth import runtime_of
from ombuds.interfaces.api.cases import router as cases_router
from ombuds.interfaces.api.data_requests import router as data_requests_router
from ombuds.interfaces.api.errors import ErrorOut, error_response, install_error_handlers
from ombuds.interfaces.api.fast_submit import FastSubmit
from ombuds.interfaces.api.ledger import router as ledger_router
from ombuds.interfaces.api.limits import BodyLimit
from ombuds.interfaces.api.metrics import HttpMetrics, Metrics
from ombuds.interfaces.api.metrics import router as metrics_router
from ombuds.interfaces.api.models import HealthOut
from ombuds.interfaces.api.notices import router as notices_router
from ombuds.interfaces.api.reports import router as reports_router
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.api.timeouts import RequestTimeout
from ombuds.interfaces.api.webhooks import router as webhooks_router
from ombuds.settings import Settings

DESCRIPTION = """\
Ombuds' HTTP service. Authenticate with `Authorization: Bearer <API key>` (`ombuds key
create NAME --role ROLE`). Roles: `platform` submits content and reads decisions;
`moderator` and `auditor` read decisions and banks; `admin` manages banks and
webhooks; `auditor` and `admin` read and verify the ledger (`/v1/ledger`) and read
transparency reports (`/v1/reports/transparency`), which `admin` releases.
`GET /metrics` (Prometheus) takes an admin or auditor key unless OMBUDS_METRICS_PUBLIC is set.

Every error has one shape: `{"error": {"code": "...", "message": "...", "field": ...}}`,
where `field` is the JSON path of the offending value (e.g. `items[3].text`) or null.
"""


def create_app(settings: Settings, *, fast_submit: bool = True) -> FastAPI:
    """The app; `fast_submit=False` leaves the submission routes to FastAPI (for tests
    that compare both paths)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, metrics)
        app.state.runtime = runtime
        runtime.start()
        try:
            yield
        finally:
            # Closing waits for the deferred tier: off the event loop.
            await anyio.to_thread.run_sync(runtime.close)

    app = FastAPI(
        title="Ombuds",
        version=getattr(ombuds, "__version__", "0.1.0"),
        description=DESCRIPTION,
        lifespan=lifespan,
        # Ombuds exports its own metrics (/metrics); FastAPI's OpenTelemetry hooks would
        # otherwise look up the global providers on every request (~1.5 % of a submission).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    metrics = Metrics()
    app.state.metrics = metrics
    install_error_handlers(app)
    # Innermost (added first): the two submission routes skip FastAPI's per-request work.
    if fast_submit:
        app.add_middleware(FastSubmit)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(RequestTimeout, timeout_s=settings.request_timeout_s)
    # Outermost: HTTP metrics and key use see 413s too.
    app.add_middleware(HttpMetrics, metrics=metrics)
    # Routes are tried in order, each included router at a cost: the probes and the
    # submissions first.
    _health_routes(app)
    app.include_router(content.router)
    app.include_router(banks.router)
    app.include_router(bank_files.router)
    app.include_router(lexicons.router)
    app.include_router(policies.router)
    app.include_router(cases_router)
    app.include_router(notices_router)
    app.include_router(appeals_router)
    app.include_router(data_requests_router)
    app.include_router(ledger_router)
    app.include_router(reports_router)
    app.include_router(hma.router)
    app.include_router(hma_curation.router)
    app.include_router(webhooks_router)
    app.include_router(metrics_router)
    console.install(app, settings)  # the moderators' web console, under /console
    return app


def _health_routes(app: FastAPI) -> None:
    @app.get("/v1/health/live", tags=["health"], response_model=HealthOut)
    async def live() -> dict[str, str]:
        """200 whenever the process serves requests."""
        return {"status": "live"}

    @app.get(
        "/v1/health/ready",
        tags=["health"],
        response_model=HealthOut,
        responses={503: {"model": ErrorOut, "description": "Still loading (or loading failed)."}},
    )
    def ready(request: Request) -> dict[str, str] | JSONResponse:
        """200 once the engine and its indexes are loaded; 503 until then."""
        runtime = runtime_of(request)
        if runtime.ready:
            return {"status": "ready"}
        if runtime.failure is not None:
            return error_response(503, "load_failed", runtime.failure)
        return error_response(503, "not_ready", "loading the engine and its indexes")
