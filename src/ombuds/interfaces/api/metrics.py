"""Prometheus metrics: `GET /metrics` in the text exposition format.

Each app has its own registry, so two apps in one process (tests) never share counters.
Decision metrics count decisions, never content: an out-of-scope item moves none of them
(it is answered before anything is computed, and so it is before anything is counted).
Gauges that describe the running engine (queue depth, index sizes) are read at scrape time.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    ProcessCollector,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombuds.domain import Action, Decision, Reason, Tier
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.histogram import BatchHistogram
from ombuds.interfaces.api.key_use import count_key_use
from ombuds.interfaces.api.untraced import is_untraced

# Inline decisions take microseconds; the top buckets catch pauses (GC, a slow disk).
LATENCY_BUCKETS = (
    0.000_01,
    0.000_025,
    0.000_05,
    0.000_1,
    0.000_25,
    0.000_5,
    0.001,
    0.002_5,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    1.0,
)
WEBHOOK_OUTCOMES = ("delivered", "rejected", "failed", "dropped", "abandoned")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the running service holds, read at scrape time."""

    deferred_queue_depth: int
    exact_entries: int
    pdq_entries: int
    neartext_entries: int
    webhook_queue_depth: int


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.decisions = Counter(
            "ombuds_decisions",
            "Decisions made, by action and tier. Out-of-scope content is never counted.",
            ["action", "tier"],
            registry=r,
        )
        self.inline_latency = BatchHistogram(
            "ombuds_inline_decision_seconds",
            "Time the engine took for one in-scope inline decision (in a batch, its share of "
            "the work the batch's items share, plus its own).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "ombuds_webhook_deliveries",
            "Webhook deliveries by final outcome: delivered (2xx), rejected (other answer, "
            "not retried), failed (attempts used up), dropped (queue full), abandoned "
            "(pending at shutdown).",
            ["outcome"],
            registry=r,
        )
        self.webhook_retries = Counter(
            "ombuds_webhook_retries",
            "Webhook attempts scheduled again after a failure.",
            registry=r,
        )
        self.http_requests = Counter(
            "ombuds_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.deferred_queue_depth = Gauge(
            "ombuds_deferred_queue_depth",
            "Items in the deferred tier: accepted and not yet decided.",
            registry=r,
        )
        self.index_entries = Gauge(
            "ombuds_index_entries",
            "Entries in each in-memory index: exact (md5, sha256), pdq, neartext.",
            ["index"],
            registry=r,
        )
        self.webhook_queue_depth = Gauge(
            "ombuds_webhook_queue_depth",
            "Webhook deliveries waiting to be sent (or retried).",
            registry=r,
        )
        self.ready = Gauge(
            "ombuds_ready", "1 once the engine and its indexes are loaded.", registry=r
        )
        ProcessCollector(namespace="ombuds", registry=r)
        # Every series exists from the start, so rates work from the first scrape.
        # Kept: `labels()` looks its child up under a lock, twice per submission otherwise.
        self._decision_counts = {
            (action, tier): self.decisions.labels(action.value, tier.value)
            for action in Action
            for tier in Tier
        }
        for outcome in WEBHOOK_OUTCOMES:
            self.webhook_deliveries.labels(outcome)

    def observe(self, decision: Decision) -> None:
        self.observe_many((decision,))

    def observe_many(self, decisions: Sequence[Decision]) -> None:
        """Count decisions, one counter update per (action, tier); out-of-scope ones are not
        decisions worth a trace."""
        tally: Tally[tuple[Action, Tier]] = Tally()
        inline: list[float] = []
        for d in decisions:
            if d.reason is not Reason.OUT_OF_SCOPE:
                tally[d.action, d.tier] += 1
                if d.tier is Tier.INLINE:
                    inline.append(d.elapsed_us / 1e6)
        for (action, tier), n in tally.items():
            self._decision_counts[action, tier].inc(n)
        self.inline_latency.observe_many(inline)

    def webhook_outcome(self, outcome: str) -> None:
        self.webhook_deliveries.labels(outcome).inc()

    def render(self, snapshot: Snapshot | None) -> bytes:
        self.ready.set(0 if snapshot is None else 1)
        if snapshot is not None:
            self.deferred_queue_depth.set(snapshot.deferred_queue_depth)
            self.index_entries.labels("exact").set(snapshot.exact_entries)
            self.index_entries.labels("pdq").set(snapshot.pdq_entries)
            self.index_entries.labels("neartext").set(snapshot.neartext_entries)
            self.webhook_queue_depth.set(snapshot.webhook_queue_depth)
        return generate_latest(self.registry)


class HttpMetrics:
    """Counts HTTP requests by route template (never the raw path: ids stay out of label
    values, and unmatched paths share one label so scanners cannot grow the set), and under
    the key that made it (`count_key_use`): one layer for both, since every layer costs a
    call per message. Requests that answered only out-of-scope content are not counted
    (see `untraced`)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            if not is_untraced(scope, status):
                self._count(scope, status)
            count_key_use(scope, status)

    def _count(self, scope: Scope, status: int) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.http_requests.labels(scope["method"], template, str(status)).inc()


router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format."},
        **{k: v for k, v in ERROR_RESPONSES.items() if k in (401, 403, 503)},
    },
    summary="Prometheus metrics (admin or auditor key, unless OMBUDS_METRICS_PUBLIC)",
)
def metrics_endpoint(request: Request) -> Response:
    # Imported here: auth imports the runtime, which imports this module.
    from ombuds.interfaces.api.auth import allow, runtime_of
    from ombuds.records.repos.keys import Role

    runtime = runtime_of(request)
    if not runtime.settings.metrics_public:
        allow(Role.ADMIN, Role.AUDITOR)(request)
    metrics = request.app.state.metrics
    assert isinstance(metrics, Metrics)
    body = metrics.render(runtime.snapshot())
    return Response(body, media_type=CONTENT_TYPE_LATEST)
