"""Data access requests over HTTP: registered by one admin, reviewed by someone else, and
disclosed only once approved, with a record of exactly what left."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from .conftest import Api

EU = {"region": "EU"}
REQUEST = {
    "requesting_party": "Public prosecutor, Example City",
    "party_kind": "authority",
    "legal_basis": "Court order 12/2026",
    "scope": {"author_ids": ["u1"]},
}


def register(api: Api, body: dict[str, Any] | None = None) -> Any:
    return api.client.post("/v1/data-requests", json=body or REQUEST, headers=api.as_("admin"))


def review(api: Api, request_id: str, role: str, outcome: str = "approved") -> Any:
    body = {"outcome": outcome, "reason": "order verified"}
    headers = api.as_(role) if role in api.tokens else {"Authorization": f"Bearer {role}"}
    return api.client.post(f"/v1/data-requests/{request_id}/review", json=body, headers=headers)


def disclose(api: Api, request_id: str) -> Any:
    return api.client.post(f"/v1/data-requests/{request_id}/disclosures", headers=api.as_("admin"))


def test_two_people_and_a_recorded_disclosure(api: Api) -> None:
    for n, author in enumerate(("u1", "u2", "u1")):
        item = {"content_id": f"m{n}", "text": "win a zorbcoin giveaway", "author_id": author}
        posted = api.client.post(
            "/v1/content", json={**item, "attributes": EU}, headers=api.as_("platform")
        )
        assert posted.status_code == 200
    created = register(api)
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    assert (created.json()["status"], created.json()["registered_by"]) == (
        "pending",
        "api:admin-key",
    )
    early = disclose(api, request_id)
    assert (early.status_code, early.json()["error"]["field"]) == (409, "request_id")
    own = review(api, request_id, "admin")
    assert (own.status_code, own.json()["error"]["field"]) == (409, "reviewer")
    other_admin = api.store.create_api_key("admin-2", "admin", actor="test")[1]
    approved = review(api, request_id, other_admin)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["reviewed_by"]) == (
        "approved",
        "api:admin-2",
    )
    r = disclose(api, request_id)
    assert r.status_code == 201, r.text
    disclosure, jsonl = r.json()["disclosure"], r.json()["jsonl"]
    assert disclosure["sha256"] == hashlib.sha256(jsonl.encode("utf-8")).hexdigest()
    rows = [json.loads(line) for line in jsonl.splitlines()]
    assert [row["content_id"] for row in rows] == ["m0", "m2"]
    assert {row["author_id"] for row in rows} == {"u1"}
    assert disclosure["decision_ids"] == [row["decision_id"] for row in rows]
    listed = api.client.get(
        f"/v1/data-requests/{request_id}/disclosures", headers=api.as_("auditor")
    )
    assert listed.json() == {"disclosures": [disclosure]}
    one = api.client.get(f"/v1/data-requests/{request_id}", headers=api.as_("auditor")).json()
    assert one["status"] == "disclosed"


def test_refused_requests_disclose_nothing(api: Api) -> None:
    request_id = register(api).json()["request_id"]
    refused = review(api, request_id, "auditor", outcome="refused")
    assert refused.json()["status"] == "refused"
    again = review(api, request_id, "auditor")
    assert again.status_code == 409
    assert disclose(api, request_id).status_code == 409
    listed = api.client.get(f"/v1/data-requests/{request_id}/disclosures", headers=api.as_("admin"))
    assert listed.json() == {"disclosures": []}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scope": {}}, "scope"),
        ({"scope": {"author_ids": [""]}}, "scope.author_ids[0]"),
        ({"scope": {"author_ids": ["u"], "since": "2026-01-01T00:00:00"}}, "scope.since"),
        (
            {
                "scope": {
                    "author_ids": ["u"],
                    "since": "2026-02-01T00:00:00Z",
                    "until": "2026-01-01T00:00:00Z",
                }
            },
            "scope.until",
        ),
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "   "}, "legal_basis"),
        ({"party_kind": "friend"}, "party_kind"),
        ({"requesting_party": "x\u0000"}, "requesting_party"),
    ],
)
def test_unusable_requests_are_422_and_unwritten(
    api: Api, change: dict[str, Any], field: str
) -> None:
    r = register(api, {**REQUEST, **change})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert api.store.data_requests.count() == 0


def test_roles(api: Api) -> None:
    for role in ("platform", "moderator", "auditor"):
        created = api.client.post("/v1/data-requests", json=REQUEST, headers=api.as_(role))
        assert created.status_code == 403
    request_id = register(api).json()["request_id"]
    for role in ("platform", "moderator"):
        assert review(api, request_id, role).status_code == 403
        listed = api.client.get("/v1/data-requests", headers=api.as_(role))
        assert listed.status_code == 403
    review(api, request_id, "auditor")
    r = api.client.post(f"/v1/data-requests/{request_id}/disclosures", headers=api.as_("auditor"))
    assert r.status_code == 403
    page = api.client.get("/v1/data-requests?status=approved", headers=api.as_("auditor")).json()
    assert [q["request_id"] for q in page["requests"]] == [request_id]
    missing = api.client.get("/v1/data-requests/dreq_nope", headers=api.as_("admin"))
    assert missing.status_code == 404
