"""Delivering deferred decisions to webhooks: signed, queued, retried with backoff.

A delivery is one decision for one webhook: the JSON of `decision_as_dict`, POSTed with

- `X-Ombuds-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`
- `X-Ombuds-Delivery: <id>`, the same on every attempt of one delivery (to deduplicate)
- `X-Ombuds-Timestamp: <unix seconds of this attempt>`

`enqueue` never blocks: deliveries wait in a bounded queue served by a few threads, and when
the queue is full a new delivery is dropped and counted. A 2xx answer delivers; a
connection error, a timeout, a 5xx, 408 or 429 is retried after `backoff * 2**(n-1)`
seconds (n = attempts so far), jittered to between half and all of that and capped at five
minutes, until `max_attempts`; any other answer (4xx, or a redirect, which is not
followed) is final. Retries wait in the same queue, so a failing receiver holds no thread.

Nothing here logs a secret or a URL (URLs may carry tokens): only webhook and delivery ids.
"""

from __future__ import annotations

import heapq
import hmac
import http.client
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import urlsplit

from ombuds.domain import Decision
from ombuds.engine.serialize import decision_as_dict
from ombuds.records.ids import new_public_id
from ombuds.records.repos.webhooks import WebhookTarget
from ombuds.settings import Settings

log = logging.getLogger("ombuds.api.webhooks")

USER_AGENT = "Ombuds-Webhook/1"
MAX_DELAY_S = 300.0
# Answers worth another try: the receiver is down, overloaded or asks to slow down.
RETRY_STATUSES = frozenset({408, 429})

# status code, or raises OSError / http.client.HTTPException when no answer came
Sender = Callable[[str, bytes, Mapping[str, str], float], int]


def sign(secret: str, body: bytes) -> str:
    """The `X-Ombuds-Signature` value for `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered, not followed: a POST must not turn into a GET elsewhere."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    # Only HTTP(S): the default opener would also read file:, ftp: and data: URLs.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _NoRedirect(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


_OPENER = _opener()


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST with the standard library; the answer's status (its body is not read)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("webhook URLs are http or https")
    # Checked just above, and the opener has no handler for any other scheme.
    request = urllib.request.Request(  # noqa: S310
        url, data=body, headers=dict(headers), method="POST"
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


@dataclass(slots=True)
class _Delivery:
    delivery_id: str
    target: WebhookTarget
    body: bytes
    attempts: int = 0


class WebhookDispatcher:
    def __init__(
        self,
        targets: Callable[[], list[WebhookTarget]],
        settings: Settings,
        *,
        on_outcome: Callable[[str], None] | None = None,
        on_retry: Callable[[], None] | None = None,
        send: Sender = post,
        rng: random.Random | None = None,
    ) -> None:
        self._load_targets = targets
        self._max_attempts = settings.webhook_max_attempts
        self._backoff_s = settings.webhook_backoff_s
        self._timeout_s = settings.webhook_timeout_s
        self._capacity = settings.webhook_queue_size
        self._workers = settings.webhook_workers
        self._on_outcome = on_outcome
        self._on_retry = on_retry
        self._send = send
        self._rng = rng or random.Random()
        self._targets: list[WebhookTarget] = []
        self._heap: list[tuple[float, int, _Delivery]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._busy = 0
        self._closing = False
        self._deadline = 0.0
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.refresh()
        for n in range(self._workers):
            thread = threading.Thread(target=self._run, name=f"ombuds-webhook-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def refresh(self) -> None:
        """Read the webhooks again (after one is created or deleted)."""
        targets = self._load_targets()
        with self._cond:
            self._targets = targets

    def depth(self) -> int:
        with self._cond:
            return len(self._heap) + self._busy

    def enqueue(self, decision: Decision) -> int:
        """Queue the decision for every webhook, at once; returns how many were queued."""
        with self._cond:
            targets = [] if self._closing else list(self._targets)
        if not targets:
            return 0
        body = json.dumps(decision_as_dict(decision), separators=(",", ":")).encode("utf-8")
        queued = dropped = 0
        with self._cond:
            for target in targets:
                if len(self._heap) >= self._capacity:
                    dropped += 1
                    continue
                delivery = _Delivery(new_public_id("dlv"), target, body)
                heapq.heappush(self._heap, (time.monotonic(), next(self._order), delivery))
                queued += 1
            self._cond.notify(queued)
        for _ in range(dropped):
            self._outcome("dropped")
        if dropped:
            log.warning("webhook queue full: %d deliveries dropped", dropped)
        return queued

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued, waiting to be retried or being sent."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._busy, timeout)

    def close(self, grace_s: float | None = None) -> None:
        """Stop taking deliveries; send what falls due within `grace_s`, abandon the rest."""
        grace = self._timeout_s if grace_s is None else grace_s
        with self._cond:
            self._closing = True
            self._deadline = time.monotonic() + grace
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        with self._cond:
            left, self._heap = len(self._heap), []
        for _ in range(left):
            self._outcome("abandoned")
        if left:
            log.warning("shutting down: %d webhook deliveries abandoned", left)

    def _next(self) -> _Delivery | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._closing and now >= self._deadline:
                    return None
                if self._heap and self._heap[0][0] <= now:
                    self._busy += 1
                    return heapq.heappop(self._heap)[2]
                if self._closing and not self._heap:
                    return None
                wait = self._heap[0][0] - now if self._heap else None
                if self._closing:
                    wait = min(wait if wait is not None else MAX_DELAY_S, self._deadline - now)
                self._cond.wait(wait)

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                self._attempt(delivery)
            except Exception as exc:
                # The type only: a message could quote the URL.
                log.error(
                    "webhook %s: delivery crashed: %s",
                    delivery.target.webhook_id,
                    type(exc).__name__,
                )
                self._outcome("failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, delivery: _Delivery) -> None:
        delivery.attempts += 1
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Ombuds-Signature": sign(delivery.target.secret, delivery.body),
            "X-Ombuds-Delivery": delivery.delivery_id,
            "X-Ombuds-Timestamp": str(int(time.time())),
        }
        webhook_id = delivery.target.webhook_id
        try:
            status = self._send(delivery.target.url, delivery.body, headers, self._timeout_s)
        except (OSError, http.client.HTTPException) as exc:
            problem = type(exc).__name__
        else:
            if 200 <= status < 300:
                self._outcome("delivered")
                return
            if status < 500 and status not in RETRY_STATUSES:
                log.warning(
                    "webhook %s: delivery %s refused with %d; not retried",
                    webhook_id,
                    delivery.delivery_id,
                    status,
                )
                self._outcome("rejected")
                return
            problem = f"HTTP {status}"
        if delivery.attempts >= self._max_attempts:
            log.warning(
                "webhook %s: delivery %s failed after %d attempts (%s)",
                webhook_id,
                delivery.delivery_id,
                delivery.attempts,
                problem,
            )
            self._outcome("failed")
            return
        delay = self.backoff(delivery.attempts)
        log.info(
            "webhook %s: delivery %s attempt %d failed (%s); retrying in %.2fs",
            webhook_id,
            delivery.delivery_id,
            delivery.attempts,
            problem,
            delay,
        )
        if self._on_retry is not None:
            self._on_retry()
        with self._cond:
            due = time.monotonic() + delay
            heapq.heappush(self._heap, (due, next(self._order), delivery))
            self._cond.notify()

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt after `attempts` failed ones: exponential, capped,
        with "equal jitter" (between half and all of it) so receivers are not hit in step."""
        delay = min(MAX_DELAY_S, self._backoff_s * 2.0 ** (attempts - 1))
        return delay / 2 + self._rng.uniform(0, delay / 2)

    def _outcome(self, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(outcome)
