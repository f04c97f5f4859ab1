"""Webhook routes, and a deferred decision reaching a real receiver through the service."""

from __future__ import annotations

import base64
import io
import json
import random

import pytest
from PIL import Image, ImageDraw

from ombuds.domain import BankEntry, Content, ContentKind, Signal
from ombuds.interfaces.api.webhook_delivery import verify
from ombuds.matching.signals.pdq import PDQSignal

from .conftest import Api
from .receiver import receiver

EU = {"region": "EU"}


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(480), rng.randrange(360)
        box = (x, y, x + rng.randint(30, 200), y + rng.randint(30, 150))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_admin_creates_lists_and_deletes_webhooks(api: Api) -> None:
    admin = api.as_("admin")
    created = api.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["created_by"]) == ("http://127.0.0.1:9/h", "admin-key")
    listed = api.client.get("/v1/webhooks", headers=admin)
    assert listed.status_code == 200
    assert [w["webhook_id"] for w in listed.json()["webhooks"]] == [body["webhook_id"]]
    assert "secret" not in listed.json()["webhooks"][0]
    assert body["secret"] not in listed.text
    gone = api.client.delete(f"/v1/webhooks/{body['webhook_id']}", headers=admin)
    assert gone.status_code == 204
    again = api.client.delete(f"/v1/webhooks/{body['webhook_id']}", headers=admin)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"
    assert api.client.get("/v1/webhooks", headers=admin).json() == {"webhooks": []}


@pytest.mark.parametrize("role", ["platform", "moderator", "auditor"])
def test_only_admins_manage_webhooks(api: Api, role: str) -> None:
    headers = api.as_(role)
    for method, path in (("GET", "/v1/webhooks"), ("DELETE", "/v1/webhooks/wh_x")):
        r = api.client.request(method, path, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"
    r = api.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/"}, headers=headers)
    assert r.status_code == 403
    assert api.client.get("/v1/webhooks").status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "not a url",
        "http://",
        "http://user:pass@127.0.0.1/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1/#frag",
        " http://127.0.0.1/",
    ],
)
def test_invalid_urls_are_refused(api: Api, url: str) -> None:
    r = api.client.post("/v1/webhooks", json={"url": url}, headers=api.as_("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_input"
    assert r.json()["error"]["field"] == "url"
    assert api.store.list_webhooks() == []


def test_missing_url_is_a_validation_error(api: Api) -> None:
    r = api.client.post("/v1/webhooks", json={}, headers=api.as_("admin"))
    assert r.status_code == 422
    assert (r.json()["error"]["code"], r.json()["error"]["field"]) == ("invalid_request", "url")


def test_deferred_decision_reaches_the_webhook_signed(api: Api) -> None:
    image = photo(1)
    pdq = PDQSignal().compute(Content("x", ContentKind.IMAGE, data=image))
    assert pdq is not None
    api.store.add_entries([BankEntry("known", Signal("pdq", pdq.value), "abuse")], actor="test")
    api.runtime.reload()
    with receiver() as hook:
        created = api.client.post(
            "/v1/webhooks", json={"url": hook.url}, headers=api.as_("admin")
        ).json()
        item = {
            "content_id": "img-1",
            "kind": "image",
            "data_base64": base64.b64encode(image).decode(),
            "attributes": EU,
        }
        inline = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
        assert inline.status_code == 200, inline.text
        assert inline.json()["tier"] == "inline"
        (got,) = hook.wait_for(1)
        assert api.runtime.webhooks.wait_idle(10)
    assert verify(created["secret"], got.body, got.headers["X-Ombuds-Signature"])
    delivered = json.loads(got.body)
    assert (delivered["content_id"], delivered["tier"]) == ("img-1", "deferred")
    assert (delivered["action"], delivered["reason"]) == ("block", "matched")
    assert delivered["decision_id"] != inline.json()["decision_id"]
    stored = api.client.get(f"/v1/decisions/{delivered['decision_id']}", headers=api.as_("auditor"))
    assert stored.status_code == 200
    assert stored.json()["action"] == "block"


def test_inline_only_and_out_of_scope_content_sends_nothing(api: Api) -> None:
    with receiver() as hook:
        api.client.post("/v1/webhooks", json={"url": hook.url}, headers=api.as_("admin"))
        for attributes in (EU, {"region": "US"}):
            item = {"content_id": "t", "text": "zorbcoin giveaway", "attributes": attributes}
            assert api.client.post("/v1/content", json=item, headers=api.as_("platform")).is_success
        assert api.runtime.webhooks.wait_idle(10)
        assert hook.requests == []
