"""Transparency reports over HTTP: admins release, auditors and admins read; the budget is
a 409 naming `epsilon`; a repeated request is answered 200 with the same release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import Api

EU = {"region": "EU"}


def window(days: int = 1) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "since": (now - timedelta(days=days)).isoformat(),
        "until": (now + timedelta(days=days)).isoformat(),
    }


def submit_some(api: Api) -> None:
    items = [
        {"content_id": f"c{i}", "author_id": f"u{i % 3}", "text": text, "attributes": EU}
        for i, text in enumerate(["zorbcoin giveaway now", "hello", "zorbcoin giveaway"] * 4)
    ]
    r = api.client.post("/v1/content/batch", json={"items": items}, headers=api.as_("platform"))
    assert r.status_code == 200, r.text


def test_release_then_the_same_request_returns_it(api: Api) -> None:
    submit_some(api)
    body = {**window(), "epsilon": 1.5, "contributions": 2}
    first = api.client.post("/v1/reports/transparency", json=body, headers=api.as_("admin"))
    assert first.status_code == 201, first.text
    report = first.json()
    assert report["format"] == "ombuds.transparency/1"
    assert set(report["sections"]["decisions_by_policy"]["counts"]) == {"eu", "none", "other"}
    assert set(report["sections"]["decisions_by_category"]["counts"]) == {
        "abuse",
        "scam",
        "none",
        "other",
    }
    again = api.client.post("/v1/reports/transparency", json=body, headers=api.as_("admin"))
    assert (again.status_code, again.json()) == (200, report)
    listed = api.client.get("/v1/reports/transparency", headers=api.as_("auditor"))
    assert listed.status_code == 200
    assert listed.json() == {"reports": [report]}
    entries = api.client.get(
        "/v1/ledger", params={"kind": "report.transparency"}, headers=api.as_("auditor")
    ).json()["entries"]
    assert [(e["seq"], e["actor"]) for e in entries] == [(report["seq"], "api:admin-key")]


def test_over_budget_is_a_409_naming_epsilon(api: Api) -> None:
    admin = api.as_("admin")
    ok = api.client.post(
        "/v1/reports/transparency", json={**window(), "epsilon": 2.5}, headers=admin
    )
    assert ok.status_code == 201
    refused = api.client.post(
        "/v1/reports/transparency", json={**window(2), "epsilon": 1}, headers=admin
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "epsilon"
    assert "budget" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"since": "2026-12-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "until"),
        ({**window(), "epsilon": 0}, "epsilon"),
        ({**window(), "contributions": 0}, "contributions"),
        ({**window(), "extra": 1}, "extra"),
        ({"until": "2026-11-01T00:00:00Z"}, "since"),
    ],
)
def test_bad_bodies_are_422s_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    r = api.client.post("/v1/reports/transparency", json=body, headers=api.as_("admin"))
    assert r.status_code == 422, r.text
    assert field in (r.json()["error"]["field"] or "")
    assert api.store.reports.releases() == []


@pytest.mark.parametrize(
    ("method", "role", "status"),
    [
        ("POST", "auditor", 403),
        ("POST", "platform", 403),
        ("POST", "moderator", 403),
        ("GET", "platform", 403),
        ("GET", "moderator", 403),
        ("GET", "admin", 200),
    ],
)
def test_roles(api: Api, method: str, role: str, status: int) -> None:
    r = api.client.request(method, "/v1/reports/transparency", json=window(), headers=api.as_(role))
    assert r.status_code == status
    assert api.client.request(method, "/v1/reports/transparency", json=window()).status_code == 401
