import base64
import json

from .conftest import BAD_BYTES, Api

EU = {"region": "EU"}


def message(text: str, content_id: str = "m1", **extra: object) -> dict[str, object]:
    return {"content_id": content_id, "kind": "text", "text": text, "attributes": EU, **extra}


def test_text_is_decided_inline_and_stored(api: Api) -> None:
    r = api.client.post(
        "/v1/content", json=message("win a zorbcoin giveaway"), headers=api.as_("platform")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["action"], body["reason"], body["tier"]) == ("block", "matched", "inline")
    assert body["notice"]["ground"] == "ToS 4"
    for role in ("platform", "moderator", "auditor"):
        got = api.client.get(f"/v1/decisions/{body['decision_id']}", headers=api.as_(role))
        assert got.status_code == 200
        assert got.json()["action"] == "block"


def test_out_of_scope_is_allowed_and_not_stored(api: Api) -> None:
    r = api.client.post(
        "/v1/content",
        json={"content_id": "m", "text": "zorbcoin giveaway", "attributes": {"region": "US"}},
        headers=api.as_("platform"),
    )
    assert r.json()["reason"] == "out_of_scope"
    assert api.store.count_decisions() == 0


def test_image_as_base64_hits_the_bank(api: Api) -> None:
    item = {
        "content_id": "f1",
        "kind": "file",
        "data_base64": base64.b64encode(BAD_BYTES).decode(),
        "attributes": EU,
    }
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    assert r.json()["action"] == "block"
    assert r.json()["evidence"][0]["source"] == "bank"


def test_multipart_upload(api: Api) -> None:
    r = api.client.post(
        "/v1/content/upload",
        files={"file": ("bad.bin", BAD_BYTES, "application/octet-stream")},
        data={"content_id": "u1", "attributes": json.dumps(EU)},
        headers=api.as_("platform"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["action"], r.json()["content_kind"]) == ("block", "file")


def test_upload_with_bad_attributes_names_the_field(api: Api) -> None:
    r = api.client.post(
        "/v1/content/upload",
        files={"file": ("a.bin", b"x", "application/octet-stream")},
        data={"content_id": "u1", "attributes": "[1]"},
        headers=api.as_("platform"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "attributes"


def test_batch_answers_in_order(api: Api) -> None:
    items = [message("hello", "a"), message("zorbcoin giveaway", "b"), message("hi", "c")]
    r = api.client.post("/v1/content/batch", json={"items": items}, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    decisions = r.json()["decisions"]
    assert [d["content_id"] for d in decisions] == ["a", "b", "c"]
    assert [d["action"] for d in decisions] == ["allow", "block", "allow"]


def test_a_bad_item_rejects_the_whole_batch_unwritten(api: Api) -> None:
    items = [message("zorbcoin giveaway", "a"), {"content_id": "b", "kind": "image"}]
    r = api.client.post("/v1/content/batch", json={"items": items}, headers=api.as_("platform"))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "items[1].data_base64"
    assert api.store.count_decisions() == 0


def test_base64_with_characters_outside_ascii_names_the_field(api: Api) -> None:
    item = {"content_id": "i", "kind": "image", "data_base64": "aé==", "attributes": EU}
    r = api.client.post("/v1/content/batch", json={"items": [item]}, headers=api.as_("platform"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "items[0].data_base64"


def test_batch_over_the_limit_is_refused(api: Api) -> None:
    items = [{"content_id": str(i), "text": ""} for i in range(1001)]
    r = api.client.post(
        "/v1/content/batch",
        content=json.dumps({"items": items}),
        headers={**api.as_("platform"), "Content-Type": "application/json"},
    )
    assert r.status_code in (413, 422)
    assert r.json()["error"]["code"] in ("too_large", "invalid_request")


def test_unknown_decision_is_404(api: Api) -> None:
    r = api.client.get("/v1/decisions/nope", headers=api.as_("auditor"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_a_nul_in_a_stored_id_is_refused_naming_the_field(api: Api) -> None:
    # PostgreSQL refuses NUL in text: refused up front, never a failed write (503) later.
    platform = api.as_("platform")
    r = api.client.post("/v1/content", json=message("hi", "a\x00b"), headers=platform)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "content_id")
    items = [message("hi", "a"), message("hi", "b", conversation_id="room\x00")]
    r = api.client.post("/v1/content/batch", json={"items": items}, headers=platform)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "items[1].conversation_id")
    r = api.client.post(
        "/v1/content",
        json=message("hi", "c", preview_url="https://example.invalid/\x00"),
        headers=platform,
    )
    assert (r.status_code, r.json()["error"]["field"]) == (422, "preview_url")
    r = api.client.post(
        "/v1/content/upload",
        files={"file": ("a.bin", b"x", "application/octet-stream")},
        data={"content_id": "u1", "author_id": "user\x00"},
        headers=platform,
    )
    assert (r.status_code, r.json()["error"]["field"]) == (422, "author_id")
    assert api.store.count_decisions() == 0
