"""Notices over HTTP, as the platform shows them and as DSA statements of reasons."""

from __future__ import annotations

from typing import Any

import pytest

from ombuds.engine import dsa_values
from ombuds.engine.dsa import save_profile

from .conftest import Api

EU = {"region": "EU"}
PROFILE = {
    "format": "ombuds.dsa/1",
    "categories": {"scam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"},
    "territorial_scope": ["AT", "DE"],
}


def blocked_text(api: Api) -> dict[str, Any]:
    item = {"content_id": "m1", "text": "win a zorbcoin giveaway", "author_id": "u1"}
    r = api.client.post("/v1/content", json={**item, "attributes": EU}, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["action"] == "block"
    return body


def test_a_notice_names_what_why_and_how_to_appeal(api: Api) -> None:
    decision = blocked_text(api)
    notice_id = decision["notice"]["notice_id"]
    for role in ("platform", "moderator", "auditor"):
        r = api.client.get(f"/v1/notices/{notice_id}", headers=api.as_(role))
        assert r.status_code == 200, r.text
    notice = r.json()
    assert (notice["content_id"], notice["content_kind"], notice["action"]) == (
        "m1",
        "text",
        "block",
    )
    assert (notice["category"], notice["policy"], notice["ground"]) == ("scam", "eu", "ToS 4")
    assert notice["matched"] == ["s1"]
    assert (notice["automated_detection"], notice["automated_decision"]) == (True, True)
    assert notice["how_to_appeal"].endswith(notice_id)
    assert (notice["appeal_id"], notice["superseded_by"], notice["human_review"]) == (
        None,
        None,
        False,
    )
    assert api.client.get(f"/v1/notices/{notice_id}", headers=api.as_("admin")).status_code == 403
    assert api.client.get(f"/v1/notices/{notice_id}").status_code == 401
    missing = api.client.get("/v1/notices/ntc_missing", headers=api.as_("platform"))
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "notice_id")


def test_the_dsa_statement_needs_the_operators_mapping(api: Api) -> None:
    notice_id = blocked_text(api)["notice"]["notice_id"]
    url = f"/v1/notices/{notice_id}/dsa"
    none = api.client.get(url, headers=api.as_("auditor"))
    assert (none.status_code, none.json()["error"]["field"]) == (409, "dsa_profile")
    save_profile(
        api.store,
        {**PROFILE, "categories": {"spam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}},
        actor="test",
    )
    unmapped = api.client.get(url, headers=api.as_("auditor"))
    assert (unmapped.status_code, unmapped.json()["error"]["field"]) == (409, "category")
    save_profile(api.store, PROFILE, actor="test")
    r = api.client.get(url, headers=api.as_("auditor"))
    assert r.status_code == 200, r.text
    sor = r.json()
    assert dsa_values.validate(sor) == []
    assert (sor["puid"], sor["category"]) == (notice_id, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD")
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert sor["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert "u1" not in r.text and "m1" not in r.text  # no personal or platform ids


@pytest.mark.parametrize("path", ["/v1/notices/ntc_x", "/v1/notices/ntc_x/dsa"])
def test_unknown_notices_are_404(api: Api, path: str) -> None:
    r = api.client.get(path, headers=api.as_("moderator"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
