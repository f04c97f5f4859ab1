from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Request

from ombuds.interfaces.api.auth import Caller, allow
from ombuds.records.repos.keys import Role

from .conftest import Api

GOOD = {"content_id": "m", "text": "hi", "attributes": {"region": "EU"}}


def assert_error(response: object, status: int, code: str, field: str | None = None) -> None:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field


def test_missing_and_malformed_keys_are_401(api: Api) -> None:
    assert_error(api.client.post("/v1/content", json=GOOD), 401, "unauthenticated")
    for header in ("Bearer", "Basic abc", "Bearer omb_nonsense", "Bearer omb_0123456789abcdef_x"):
        r = api.client.post("/v1/content", json=GOOD, headers={"Authorization": header})
        assert_error(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"] == "Bearer"


def test_revoked_and_expired_keys_are_401(api: Api) -> None:
    api.store.revoke_api_key("platform-key", actor="test")
    assert_error(
        api.client.post("/v1/content", json=GOOD, headers=api.as_("platform")),
        401,
        "unauthenticated",
    )
    past = datetime.now(UTC) - timedelta(seconds=1)
    _, token = api.store.create_api_key("stale", "platform", expires_at=past, actor="test")
    r = api.client.post("/v1/content", json=GOOD, headers={"Authorization": f"Bearer {token}"})
    assert_error(r, 401, "unauthenticated")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/content", {"platform"}),
        ("POST", "/v1/content/batch", {"platform"}),
        ("GET", "/v1/decisions/x", {"platform", "moderator", "auditor"}),
        ("GET", "/v1/banks", {"admin", "moderator", "auditor"}),
        ("POST", "/v1/banks", {"admin"}),
        ("GET", "/v1/banks/known/entries", {"admin", "moderator", "auditor"}),
        ("POST", "/v1/banks/known/entries", {"admin"}),
        ("DELETE", "/v1/banks/known/entries/md5/" + "0" * 32, {"admin"}),
    ],
)
def test_roles_outside_an_endpoint_get_403(
    api: Api, method: str, path: str, allowed: set[str]
) -> None:
    for role in {"platform", "moderator", "admin", "auditor"} - allowed:
        r = api.client.request(method, path, json={}, headers=api.as_(role))
        assert_error(r, 403, "forbidden")


def test_every_authenticated_request_knows_its_caller(api: Api) -> None:
    app = api.client.app
    # A route added for the test: what a later ledger would read from the request.
    probe = APIRouter()

    @probe.get("/v1/test/whoami")
    def whoami(request: Request, caller: Annotated[Caller, Depends(allow(Role.AUDITOR))]) -> dict:  # type: ignore[type-arg]
        assert request.state.caller == caller
        return {"name": caller.name, "role": caller.role.value}

    app.include_router(probe)  # type: ignore[attr-defined]
    r = api.client.get("/v1/test/whoami", headers=api.as_("auditor"))
    assert r.json() == {"name": "auditor-key", "role": "auditor"}


def test_malformed_json_is_422(api: Api) -> None:
    r = api.client.post(
        "/v1/content",
        content=b'{"content_id": ',
        headers={**api.as_("platform"), "Content-Type": "application/json"},
    )
    assert_error(r, 422, "malformed_json")


def test_json_that_is_not_utf8_is_malformed_json(api: Api) -> None:
    # Found by schemathesis: FastAPI answers an undecodable JSON body with a bare 400.
    r = api.client.post(
        "/v1/content",
        content=b'{"content_id": "\xff\xfe"}',
        headers={**api.as_("platform"), "Content-Type": "application/json"},
    )
    assert_error(r, 422, "malformed_json")


def test_broken_multipart_is_422(api: Api) -> None:
    # Found by schemathesis too: Starlette answers a multipart body it cannot parse with 400.
    r = api.client.post(
        "/v1/content/upload",
        content=b"--b\r\n-1--b--\r\n",
        headers={**api.as_("platform"), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_error(r, 422, "invalid_request")


def test_wrong_types_and_unknown_fields_name_the_field(api: Api) -> None:
    h = api.as_("platform")
    r = api.client.post("/v1/content", json={**GOOD, "text": 5}, headers=h)
    assert_error(r, 422, "invalid_request", "text")
    r = api.client.post("/v1/content", json={**GOOD, "colour": "red"}, headers=h)
    assert_error(r, 422, "invalid_request", "colour")
    r = api.client.post("/v1/content/batch", json={"items": [GOOD, {"text": "x"}]}, headers=h)
    assert_error(r, 422, "invalid_request", "items[1].content_id")
    r = api.client.post(
        "/v1/content", json={**GOOD, "kind": "image", "data_base64": "!!"}, headers=h
    )
    assert_error(r, 422, "invalid_input", "data_base64")
    r = api.client.get("/v1/banks/known/entries?limit=0", headers=api.as_("admin"))
    assert_error(r, 422, "invalid_request", "limit")


def test_wrong_content_type_is_415(api: Api) -> None:
    r = api.client.post(
        "/v1/content",
        content=b'{"content_id": "m", "text": "hi"}',
        headers={**api.as_("platform"), "Content-Type": "text/plain"},
    )
    assert_error(r, 415, "unsupported_media_type")
    r = api.client.post("/v1/content/upload", json=GOOD, headers=api.as_("platform"))
    assert_error(r, 415, "unsupported_media_type")


def test_oversize_bodies_are_413(api: Api) -> None:
    big = {**GOOD, "text": "x" * 70_000}  # the fixture's limit is 64 KiB
    r = api.client.post("/v1/content", json=big, headers=api.as_("platform"))
    assert_error(r, 413, "too_large")

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"content_id": "m", "text": "'
        for _ in range(20):
            yield b"x" * 8192
        yield b'"}'

    r = api.client.post(
        "/v1/content",
        content=chunks(),
        headers={**api.as_("platform"), "Content-Type": "application/json"},
    )
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "too_large")
    assert api.store.count_decisions() == 0


def test_unknown_routes_and_methods_use_the_shape(api: Api) -> None:
    assert_error(api.client.get("/v1/nothing"), 404, "not_found")
    assert_error(api.client.get("/"), 404, "not_found")
    assert_error(api.client.put("/v1/content"), 405, "method_not_allowed")
