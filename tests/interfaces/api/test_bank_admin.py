"""Banks through /v1 on SQLite and PostgreSQL: settings, per-entry state, removal; every
change in force for the very next submission, with no engine rebuild."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ombuds.engine import Engine
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records import Store

from .backends import running_api, submit
from .conftest import BAD_BYTES, Api

BAD_MD5 = hashlib.md5(BAD_BYTES).hexdigest()


@pytest.fixture
def api(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    with running_api(store, tmp_path) as running:
        # Every change must be applied in place: a rebuild here would hide a missing one.
        monkeypatch.setattr(Runtime, "reload", _no_rebuild)
        yield running


def _no_rebuild(self: Runtime) -> None:
    raise AssertionError("bank changes must not rebuild the engine")


def the_entry(api: Api, bank: str = "known") -> dict[str, Any]:
    r = api.client.get(f"/v1/banks/{bank}/entries", headers=api.as_("auditor"))
    (entry,) = r.json()["entries"]
    return dict(entry)


def patch_entry(api: Api, body: dict[str, Any], public_id: str, status: int = 200) -> Any:
    r = api.client.patch(
        f"/v1/banks/known/entries/{public_id}", json=body, headers=api.as_("admin")
    )
    assert r.status_code == status, r.text
    return r.json()


def test_disabling_stops_matching_at_once_and_enabling_restores_it(api: Api) -> None:
    entry = the_entry(api)
    assert (entry["enabled"], entry["active"], entry["disabled_until"]) == (True, True, None)
    assert submit(api) == "block"
    off = patch_entry(api, {"enabled": False, "reason": "false positive"}, entry["public_id"])
    assert (off["enabled"], off["active"]) == (False, False)
    assert submit(api) == "allow"
    shown = api.client.get(
        f"/v1/banks/known/entries/{entry['public_id']}", headers=api.as_("moderator")
    )
    assert shown.json() == off
    on = patch_entry(api, {"enabled": True}, entry["public_id"])
    assert on["active"] is True
    assert submit(api) == "block"


def test_disabled_until_expires_by_itself(api: Api) -> None:
    public_id = the_entry(api)["public_id"]
    until = datetime.now(UTC) + timedelta(seconds=1.5)
    paused = patch_entry(api, {"disabled_until": until.isoformat()}, public_id)
    assert paused["active"] is False
    assert datetime.fromisoformat(paused["disabled_until"]) == until
    assert submit(api) == "allow"
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.1)
    assert submit(api) == "block"
    assert the_entry(api)["active"] is True


def test_entry_state_errors_name_the_field(api: Api) -> None:
    public_id = the_entry(api)["public_id"]
    assert patch_entry(api, {}, public_id, 422)["error"]["field"] == "enabled"
    naive = {"disabled_until": "2030-01-01T00:00:00"}
    assert patch_entry(api, naive, public_id, 422)["error"]["field"] == "disabled_until"
    assert patch_entry(api, {"enabled": None}, public_id, 422)["error"]["field"] == "enabled"
    assert patch_entry(api, {"enabled": False}, "be_nope", 404)["error"]["code"] == "not_found"
    api.client.post("/v1/banks", json={"name": "other", "category": "x"}, headers=api.as_("admin"))
    r = api.client.get(f"/v1/banks/other/entries/{public_id}", headers=api.as_("admin"))
    assert r.status_code == 404  # the entry is in another bank
    r = api.client.patch(
        f"/v1/banks/known/entries/{public_id}", json={"enabled": False}, headers=api.as_("auditor")
    )
    assert r.status_code == 403
    assert submit(api) == "block"  # nothing of the refused requests took effect


def test_removal_by_public_id_or_signal_takes_effect_at_once(api: Api) -> None:
    admin = api.as_("admin")
    assert submit(api) == "block"
    r = api.client.delete(f"/v1/banks/known/entries/{the_entry(api)['public_id']}", headers=admin)
    assert r.status_code == 204
    assert submit(api) == "allow"
    entries = {"entries": [{"signal_type": "md5", "value": BAD_MD5, "enabled": False}]}
    added = api.client.post("/v1/banks/known/entries", json=entries, headers=admin).json()
    assert added["added"][0]["active"] is False
    assert submit(api) == "allow"  # added disabled: stored, not matched
    patch_entry(api, {"enabled": True}, added["added"][0]["public_id"])
    assert submit(api) == "block"
    r = api.client.delete(f"/v1/banks/known/entries/md5/{BAD_MD5.upper()}", headers=admin)
    assert r.status_code == 204
    assert submit(api) == "allow"
    assert (
        api.client.delete(f"/v1/banks/known/entries/md5/{BAD_MD5}", headers=admin).status_code
        == 404
    )


def _indexed(api: Api, value: str) -> tuple[int, ...]:
    def read(engine: Engine) -> tuple[int, ...]:
        return engine.bank_matcher.index.lookup("md5", value)

    return api.runtime.inspect(read)


def test_bank_settings_rename_and_delete(api: Api) -> None:
    admin, reader = api.as_("admin"), api.as_("moderator")
    r = api.client.get("/v1/banks/known", headers=reader)
    assert r.json() == {
        "name": "known",
        "category": "abuse",
        "description": "",
        "threshold": None,
        "entries": 1,
    }
    changes = {"description": "files we know", "threshold": 12, "category": "malware"}
    r = api.client.patch("/v1/banks/known", json=changes, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "known", "entries": 1, **changes}
    r = api.client.patch("/v1/banks/known", json={"threshold": None}, headers=admin)
    assert r.json()["threshold"] is None and r.json()["description"] == "files we know"
    r = api.client.patch("/v1/banks/known", json={"name": "renamed"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["field"] == "name"  # policy eu uses it
    r = api.client.patch("/v1/banks/known", json={"category": None}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["field"] == "category"
    assert api.client.delete("/v1/banks/known", headers=admin).status_code == 409

    api.client.post("/v1/banks", json={"name": "spare", "category": "spam"}, headers=admin)
    value = hashlib.md5(b"spare").hexdigest()
    entries = {"entries": [{"signal_type": "md5", "value": value}]}
    api.client.post("/v1/banks/spare/entries", json=entries, headers=admin)
    r = api.client.patch("/v1/banks/spare", json={"name": "kept"}, headers=admin)
    assert r.json()["name"] == "kept" and r.json()["entries"] == 1
    assert api.client.get("/v1/banks/spare", headers=reader).status_code == 404
    assert len(_indexed(api, value)) == 1
    assert api.client.patch("/v1/banks/kept", json={"bogus": 1}, headers=admin).status_code == 422
    assert api.client.delete("/v1/banks/kept", headers=admin).status_code == 204
    assert _indexed(api, value) == ()
    assert api.client.delete("/v1/banks/kept", headers=admin).status_code == 404
    assert submit(api) == "block"
