import base64
import hashlib
import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombuds.engine import Engine
from ombuds.interfaces.api import create_app
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.api.server import openapi_json
from ombuds.records import Store

from .conftest import Api, make_settings

MD5 = hashlib.md5(b"new bad file").hexdigest()
DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_bank_lifecycle(api: Api) -> None:
    admin = api.as_("admin")
    r = api.client.post("/v1/banks", json={"name": "new", "category": "spam"}, headers=admin)
    assert r.status_code == 201
    assert r.json()["entries"] == 0
    again = api.client.post("/v1/banks", json={"name": "new", "category": "spam"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    names = [b["name"] for b in api.client.get("/v1/banks", headers=admin).json()["banks"]]
    assert names == ["known", "new"]

    entries = {"entries": [{"signal_type": "md5", "value": MD5.upper(), "reason": "seen"}]}
    r = api.client.post("/v1/banks/new/entries", json=entries, headers=admin)
    assert r.status_code == 201, r.text
    added = r.json()["added"][0]
    assert (added["value"], added["author"], added["category"]) == (MD5, "admin-key", "spam")
    dup = api.client.post("/v1/banks/new/entries", json=entries, headers=admin)
    assert dup.status_code == 409

    page = api.client.get("/v1/banks/new/entries?offset=0&limit=10", headers=api.as_("auditor"))
    assert page.json()["total"] == 1
    assert page.json()["entries"][0]["public_id"] == added["public_id"]

    r = api.client.delete(f"/v1/banks/new/entries/md5/{MD5}", headers=admin)
    assert r.status_code == 204
    r = api.client.delete(f"/v1/banks/new/entries/md5/{MD5}", headers=admin)
    assert r.status_code == 404


def test_banked_signal_is_matched_at_once_and_forgotten_after_removal(api: Api) -> None:
    data = b"new bad file"
    item = {
        "content_id": "f",
        "kind": "file",
        "data_base64": base64.b64encode(data).decode(),
        "attributes": {"region": "EU"},
    }
    platform, admin = api.as_("platform"), api.as_("admin")
    assert api.client.post("/v1/content", json=item, headers=platform).json()["action"] == "allow"
    entries = {"entries": [{"signal_type": "md5", "value": MD5}]}
    api.client.post("/v1/banks/known/entries", json=entries, headers=admin)
    assert api.client.post("/v1/content", json=item, headers=platform).json()["action"] == "block"
    api.client.delete(f"/v1/banks/known/entries/md5/{MD5}", headers=admin)
    assert api.client.post("/v1/content", json=item, headers=platform).json()["action"] == "allow"


def test_bad_signals_name_the_entry(api: Api) -> None:
    admin = api.as_("admin")
    bad = {"entries": [{"signal_type": "md5", "value": MD5}, {"signal_type": "md5", "value": "x"}]}
    r = api.client.post("/v1/banks/known/entries", json=bad, headers=admin)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "entries[1].value"
    assert api.store.count_entries("known") == 1  # nothing of the rejected request was written
    r = api.client.post(
        "/v1/banks/known/entries",
        json={"entries": [{"signal_type": "nope", "value": "x"}]},
        headers=admin,
    )
    assert r.json()["error"]["field"] == "entries[0].signal_type"
    r = api.client.get("/v1/banks/missing/entries", headers=admin)
    assert r.status_code == 404


def test_readiness_flips_to_200_once_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    build = Runtime._build

    def slow_build(self: Runtime, store: Store) -> Engine:
        release.wait(30)  # the index load, held until the test has seen 503
        return build(self, store)

    monkeypatch.setattr(Runtime, "_build", slow_build)
    app = create_app(make_settings(tmp_path / "ws"))
    with TestClient(app) as client:
        assert client.get("/v1/health/live").json() == {"status": "live"}
        r = client.get("/v1/health/ready")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "not_ready"
        release.set()
        assert app.state.runtime.wait_ready(60)
        r = client.get("/v1/health/ready")
        assert (r.status_code, r.json()) == (200, {"status": "ready"})


def test_not_ready_requests_get_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Loading never starts, so the service stays "loading" for the whole test.
    monkeypatch.setattr(Runtime, "start", lambda self: None)
    with TestClient(create_app(make_settings(tmp_path / "ws"))) as client:
        r = client.get("/v1/health/ready")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "not_ready"
        r = client.get("/v1/banks", headers={"Authorization": "Bearer omb_x"})
        assert r.status_code == 503


def test_checked_in_openapi_is_current() -> None:
    expected = openapi_json()
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/openapi.json is stale: .venv/bin/python -m ombuds.interfaces.api.server "
        "openapi docs/openapi.json"
    )
    paths = json.loads(expected)["paths"]
    assert "/v1/content" in paths
    assert "/v1/banks/{name}/entries/{signal_type}/{value}" in paths
