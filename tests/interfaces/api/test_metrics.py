"""`GET /metrics`: who may read it, what it counts, and that out-of-scope content moves
no decision counter."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ombuds.interfaces.api import create_app
from ombuds.records import Store

from .conftest import BAD_BYTES, Api, make_settings, seed
from .receiver import receiver
from .test_webhooks import photo

EU = {"region": "EU"}
DECISION_METRICS = ("ombuds_decisions", "ombuds_inline_decision_seconds")


def scrape(api: Api) -> str:
    r = api.client.get("/metrics", headers=api.as_("auditor"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    raise AssertionError(f"no sample {name} {labels}")


def decision_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(DECISION_METRICS)]


def test_metrics_need_an_admin_or_auditor_key(api: Api) -> None:
    assert api.client.get("/metrics").status_code == 401
    for role, status in (("platform", 403), ("moderator", 403), ("admin", 200), ("auditor", 200)):
        assert api.client.get("/metrics", headers=api.as_(role)).status_code == status


@pytest.fixture
def public_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path / "ws", metrics_public=True)
    store = Store.open(settings.resolved_database_url())
    seed(store)
    store.close()
    with TestClient(create_app(settings)) as client:
        assert client.app.state.runtime.wait_ready(60)  # type: ignore[attr-defined]
        yield client


def test_public_metrics_need_no_key(public_client: TestClient) -> None:
    r = public_client.get("/metrics")
    assert r.status_code == 200
    assert sample(r.text, "ombuds_ready") == 1.0


def test_decisions_latency_and_index_sizes_are_reported(api: Api) -> None:
    before = scrape(api)
    assert sample(before, "ombuds_decisions_total", action="block", tier="inline") == 0
    assert sample(before, "ombuds_index_entries", index="exact") == 1
    assert sample(before, "ombuds_index_entries", index="pdq") == 0
    assert sample(before, "ombuds_deferred_queue_depth") == 0
    item = {"content_id": "m", "text": "zorbcoin giveaway", "attributes": EU}
    api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    batch = {"items": [{"content_id": f"c{i}", "text": "hello", "attributes": EU} for i in (1, 2)]}
    api.client.post("/v1/content/batch", json=batch, headers=api.as_("platform"))
    after = scrape(api)
    assert sample(after, "ombuds_decisions_total", action="block", tier="inline") == 1
    assert sample(after, "ombuds_decisions_total", action="allow", tier="inline") == 2
    assert sample(after, "ombuds_inline_decision_seconds_count") == 3
    assert sample(after, "ombuds_inline_decision_seconds_bucket", le="1.0") == 3
    assert (
        sample(
            after, "ombuds_http_requests_total", method="POST", route="/v1/content", status="200"
        )
        == 1
    )
    assert (
        sample(after, "ombuds_http_requests_total", method="GET", route="/metrics", status="200")
        >= 1
    )


def test_out_of_scope_content_moves_no_decision_counter(api: Api) -> None:
    before = decision_lines(scrape(api))
    assert before
    platform = api.as_("platform")
    out_of_scope = {"region": "US"}
    item = {"content_id": "m", "text": "zorbcoin giveaway", "attributes": out_of_scope}
    assert api.client.post("/v1/content", json=item, headers=platform).json()["reason"] == (
        "out_of_scope"
    )
    image = {
        "content_id": "i",
        "kind": "image",
        "data_base64": base64.b64encode(photo(2)).decode(),
        "attributes": out_of_scope,
    }
    assert api.client.post("/v1/content", json=image, headers=platform).is_success
    upload = api.client.post(
        "/v1/content/upload",
        files={"file": ("bad.bin", BAD_BYTES, "application/octet-stream")},
        data={"content_id": "u", "attributes": '{"region": "US"}'},
        headers=platform,
    )
    assert upload.json()["reason"] == "out_of_scope"
    after = scrape(api)
    assert decision_lines(after) == before
    assert sample(after, "ombuds_webhook_deliveries_total", outcome="delivered") == 0


def test_deferred_decisions_and_webhook_deliveries_are_counted(api: Api) -> None:
    with receiver(500) as hook:
        api.client.post("/v1/webhooks", json={"url": hook.url}, headers=api.as_("admin"))
        item = {
            "content_id": "img",
            "kind": "image",
            "data_base64": base64.b64encode(photo(3)).decode(),
            "attributes": EU,
        }
        api.client.post("/v1/content", json=item, headers=api.as_("platform"))
        hook.wait_for(2)
        assert api.runtime.webhooks.wait_idle(10)
    text = scrape(api)
    assert sample(text, "ombuds_decisions_total", action="review", tier="inline") == 0
    assert sample(text, "ombuds_decisions_total", action="allow", tier="deferred") == 1
    assert sample(text, "ombuds_webhook_deliveries_total", outcome="delivered") == 1
    assert sample(text, "ombuds_webhook_retries_total") == 1
    assert sample(text, "ombuds_webhook_queue_depth") == 0


def test_unmatched_paths_share_one_label(api: Api) -> None:
    for path in ("/nope/1", "/nope/2"):
        assert api.client.get(path).status_code == 404
    text = scrape(api)
    assert (
        sample(text, "ombuds_http_requests_total", method="GET", route="unmatched", status="404")
        == 2
    )
    assert "/nope/1" not in text
