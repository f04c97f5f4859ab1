"""The ledger over HTTP: auditors read and verify it; every request is attributed to its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ombuds.interfaces.api import create_app
from ombuds.records import Store
from ombuds.records.ledger import Kind, LedgerQuery

from .conftest import Api, make_settings, seed

EU = {"region": "EU"}


def ledger(api: Api, role: str = "auditor", **params: object) -> dict[str, Any]:
    r = api.client.get("/v1/ledger", params=params, headers=api.as_(role))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize(("role", "status"), [("platform", 403), ("moderator", 403)])
def test_only_auditors_and_admins_read_it(api: Api, role: str, status: int) -> None:
    for path in ("/v1/ledger", "/v1/ledger/verify"):
        assert api.client.get(path, headers=api.as_(role)).status_code == status
        assert api.client.get(path).status_code == 401
    assert ledger(api, "admin")["entries"]


def test_changes_over_http_are_attributed_to_their_key(api: Api) -> None:
    r = api.client.post(
        "/v1/banks", json={"name": "fresh", "category": "spam"}, headers=api.as_("admin")
    )
    assert r.status_code in (200, 201), r.text
    (created,) = ledger(api, kind="bank.create", subject="fresh")["entries"]
    assert created["actor"] == "api:admin-key"
    assert created["payload"]["category"] == "spam"
    item = {"content_id": "c1", "text": "zorbcoin giveaway", "attributes": EU}
    assert api.client.post("/v1/content", json=item, headers=api.as_("platform")).status_code == 200
    batches = ledger(api, kind="decisions")["entries"]
    assert sum(b["payload"]["count"] for b in batches) == 1


def test_filters_and_pages(api: Api) -> None:
    everything = ledger(api, limit=1000)["entries"]
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    first = ledger(api, limit=3)
    assert [e["seq"] for e in first["entries"]] == [1, 2, 3]
    assert first["next_after"] == 3
    rest = ledger(api, after=3, limit=1000)
    assert rest["next_after"] is None
    assert len(first["entries"]) + len(rest["entries"]) == len(everything)
    keys = ledger(api, kind="key.create", actor="test")["entries"]
    assert sorted(e["subject"] for e in keys) == [
        "admin-key",
        "auditor-key",
        "moderator-key",
        "platform-key",
    ]
    assert ledger(api, since="2999-01-01T00:00:00")["entries"] == []
    assert ledger(api, until="2000-01-01T00:00:00Z")["entries"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"limit": 0}, "limit"),
        ({"after": -1}, "after"),
        ({"after": 2**40}, "after"),
        ({"kind": "a\x00b"}, "kind"),
    ],
)
def test_bad_queries_are_422_naming_the_field(
    api: Api, params: dict[str, object], field: str
) -> None:
    r = api.client.get("/v1/ledger", params=params, headers=api.as_("auditor"))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == field


def test_verify_reports_the_first_bad_entry(api: Api) -> None:
    r = api.client.get("/v1/ledger/verify", headers=api.as_("auditor"))
    assert r.status_code == 200
    good = r.json()
    assert good["ok"] is True and good["bad_seq"] is None
    with api.store.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET subject = 'other' WHERE seq = 2"))
    bad = api.client.get("/v1/ledger/verify", headers=api.as_("admin")).json()
    assert (bad["ok"], bad["bad_seq"], bad["checked"]) == (False, 2, 1)
    assert "edited" in bad["problem"]


def key_use(store: Store) -> dict[str, list[dict[str, Any]]]:
    found = store.ledger_entries(LedgerQuery(kind=Kind.KEY_USE, limit=1000))
    return {e.actor: e.payload["counts"] for e in found}


def test_key_use_is_counted_per_key_route_and_status(api: Api) -> None:
    item = {"content_id": "c1", "text": "hello", "attributes": EU}
    for _ in range(3):
        api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    api.client.get("/v1/ledger", headers=api.as_("platform"))  # 403, still attributed
    api.client.get("/v1/ledger", headers={"Authorization": "Bearer nope"})  # 401
    api.client.get("/v1/health/live")  # public: no key, not counted
    assert api.runtime.key_use.flush() == 2
    uses = key_use(api.store)
    assert uses["api:platform-key"] == [
        {"route": "GET /v1/ledger", "status": 403, "count": 1},
        {"route": "POST /v1/content", "status": 200, "count": 3},
    ]
    assert uses["anonymous"] == [{"route": "GET /v1/ledger", "status": 401, "count": 1}]
    assert api.runtime.key_use.flush() == 0  # nothing new: no entry
    assert api.store.verify_ledger().ok


def test_key_use_is_ledgered_at_shutdown(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "ws", key_use_flush_s=3600)
    with Store.open(settings.resolved_database_url()) as store:
        tokens = seed(store)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.runtime.wait_ready(60)  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {tokens['auditor']}"}
        for _ in range(4):
            assert client.get("/v1/ledger/verify", headers=headers).status_code == 200
    with Store.open(settings.resolved_database_url()) as store:
        assert key_use(store) == {
            "api:auditor-key": [{"route": "GET /v1/ledger/verify", "status": 200, "count": 4}]
        }
