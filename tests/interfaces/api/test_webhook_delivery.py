"""The dispatcher against a real local receiver: signatures, retries, the bounded queue."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from ombuds.domain import Action, Decision, Reason, Tier
from ombuds.interfaces.api.webhook_delivery import WebhookDispatcher, sign, verify
from ombuds.records.repos.webhooks import WebhookTarget
from ombuds.settings import Settings

from .receiver import receiver

SECRET = "whsec_test-secret"


def decision(content_id: str = "img-1") -> Decision:
    return Decision(
        decision_id="dec_1",
        content_id=content_id,
        author_id="",
        conversation_id="",
        content_kind="image",
        action=Action.BLOCK,
        reason=Reason.MATCHED,
        tier=Tier.DEFERRED,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        elapsed_us=1234.5,
        category="abuse",
        policy="eu",
        supersedes="dec_0",
    )


def dispatcher(url: str, outcomes: Counter[str], **settings: object) -> WebhookDispatcher:
    values: dict[str, object] = {"webhook_backoff_s": 0.01, "webhook_timeout_s": 2.0}
    values.update(settings)
    result = WebhookDispatcher(
        lambda: [WebhookTarget("wh_1", url, SECRET)],
        Settings(**values),  # type: ignore[arg-type]
        on_outcome=lambda outcome: outcomes.update([outcome]),
        on_retry=lambda: outcomes.update(["retry"]),
        rng=random.Random(1),
    )
    result.start()
    return result


def test_delivery_is_signed_and_carries_the_decision() -> None:
    outcomes: Counter[str] = Counter()
    with receiver() as hook:
        sender = dispatcher(hook.url, outcomes)
        assert sender.enqueue(decision()) == 1
        assert sender.wait_idle(10)
        sender.close()
    (got,) = hook.requests
    assert got.path == "/hook"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Ombuds-Signature"] == sign(SECRET, got.body)
    assert verify(SECRET, got.body, got.headers["X-Ombuds-Signature"])
    assert not verify("whsec_other", got.body, got.headers["X-Ombuds-Signature"])
    assert got.headers["X-Ombuds-Delivery"].startswith("dlv_")
    assert got.headers["X-Ombuds-Timestamp"].isdigit()
    body = json.loads(got.body)
    assert (body["content_id"], body["action"], body["tier"]) == ("img-1", "block", "deferred")
    assert outcomes == Counter(delivered=1)


def test_server_errors_and_429_are_retried_with_the_same_delivery_id() -> None:
    outcomes: Counter[str] = Counter()
    with receiver(500, 429) as hook:
        sender = dispatcher(hook.url, outcomes)
        sender.enqueue(decision())
        assert sender.wait_idle(10)
        sender.close()
    assert len(hook.requests) == 3
    assert len({r.headers["X-Ombuds-Delivery"] for r in hook.requests}) == 1
    assert all(r.body == hook.requests[0].body for r in hook.requests)
    assert outcomes == Counter(delivered=1, retry=2)


@pytest.mark.parametrize("status", [400, 404, 302])
def test_client_errors_and_redirects_are_not_retried(status: int) -> None:
    outcomes: Counter[str] = Counter()
    with receiver(status) as hook:
        sender = dispatcher(hook.url, outcomes)
        sender.enqueue(decision())
        assert sender.wait_idle(10)
        sender.close()
    assert len(hook.requests) == 1
    assert outcomes == Counter(rejected=1)


def test_delivery_fails_after_max_attempts() -> None:
    outcomes: Counter[str] = Counter()
    with receiver(500, 500, 500, 500) as hook:
        sender = dispatcher(hook.url, outcomes, webhook_max_attempts=3)
        sender.enqueue(decision())
        assert sender.wait_idle(10)
        sender.close()
    assert len(hook.requests) == 3
    assert outcomes == Counter(failed=1, retry=2)


def test_connection_errors_are_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: every attempt is refused.
    outcomes: Counter[str] = Counter()
    sender = dispatcher(f"http://127.0.0.1:{port}/hook", outcomes, webhook_max_attempts=2)
    sender.enqueue(decision())
    assert sender.wait_idle(10)
    sender.close()
    assert outcomes == Counter(failed=1, retry=1)


def test_a_full_queue_drops_instead_of_blocking() -> None:
    started, release = threading.Event(), threading.Event()

    def slow(_url: str, _body: bytes, _headers: Mapping[str, str], _timeout: float) -> int:
        started.set()
        release.wait(10)
        return 204

    outcomes: Counter[str] = Counter()
    sender = WebhookDispatcher(
        lambda: [WebhookTarget("wh_1", "http://127.0.0.1:9/", SECRET)],
        Settings(webhook_queue_size=1, webhook_workers=1),
        on_outcome=lambda outcome: outcomes.update([outcome]),
        send=slow,
    )
    sender.start()
    assert sender.enqueue(decision("a")) == 1
    assert started.wait(10)  # the worker holds the first one
    assert sender.enqueue(decision("b")) == 1  # waits in the queue
    assert sender.enqueue(decision("c")) == 0  # no room: dropped at once
    assert sender.depth() == 2
    release.set()
    assert sender.wait_idle(10)
    sender.close()
    assert outcomes == Counter(delivered=2, dropped=1)


def test_pending_retries_are_abandoned_at_shutdown() -> None:
    outcomes: Counter[str] = Counter()
    with receiver(500) as hook:
        sender = dispatcher(hook.url, outcomes, webhook_backoff_s=30.0)
        sender.enqueue(decision())
        hook.wait_for(1)
        sender.close(grace_s=0.05)
    assert outcomes["abandoned"] == 1


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    sender = WebhookDispatcher(list, Settings(webhook_backoff_s=0.5), rng=random.Random(7))
    for attempts, full in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (30, 300.0)):
        for _ in range(20):
            delay = sender.backoff(attempts)
            assert full / 2 <= delay <= full


def test_no_webhooks_means_nothing_is_serialised() -> None:
    sender = WebhookDispatcher(list, Settings())
    sender.start()
    assert sender.enqueue(decision()) == 0
    sender.close()
