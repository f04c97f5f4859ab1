"""Appeals over HTTP: a platform files, a second moderator decides; a reversal reaches the
platform's webhook, and the bank entry behind it stops matching at once."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ombuds.records import parse_lexicon_json

from .conftest import BAD_BYTES, Api
from .receiver import receiver

EU = {"region": "EU"}
LEXICON = """{"format": "ombuds.lexicon/1", "name": "scams", "description": "",
 "separator_insensitive": false,
 "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"},
           {"id": "s2", "kind": "term", "category": "spam", "term": "cheap pills"}]}"""


def submit(api: Api, item: dict[str, object]) -> dict[str, Any]:
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def blocked_file(api: Api, content_id: str = "f1") -> dict[str, Any]:
    item = {
        "content_id": content_id,
        "kind": "file",
        "data_base64": base64.b64encode(BAD_BYTES).decode(),
        "attributes": EU,
    }
    decision = submit(api, item)
    assert (decision["action"], decision["category"]) == ("block", "abuse")
    return decision


def file_appeal(api: Api, notice_id: str, statement: str = "It is my own file.") -> Any:
    return api.client.post(
        f"/v1/notices/{notice_id}/appeal",
        json={"statement": statement},
        headers=api.as_("platform"),
    )


def decide(api: Api, appeal_id: str, role: str = "moderator", **body: object) -> Any:
    headers = api.as_(role) if role in api.tokens else {"Authorization": f"Bearer {role}"}
    return api.client.post(f"/v1/appeals/{appeal_id}/decision", json=body, headers=headers)


def test_a_reversal_restores_the_content_and_disables_the_entry(api: Api) -> None:
    decision = blocked_file(api)
    notice_id = decision["notice"]["notice_id"]
    with receiver() as hook:
        api.client.post("/v1/webhooks", json={"url": hook.url}, headers=api.as_("admin"))
        filed = file_appeal(api, notice_id)
        assert filed.status_code == 201, filed.text
        appeal = filed.json()
        assert (appeal["status"], appeal["opened_by"]) == ("open", "api:platform-key")
        listed = api.client.get("/v1/appeals", headers=api.as_("moderator")).json()
        assert [a["appeal_id"] for a in listed["appeals"]] == [appeal["appeal_id"]]
        r = decide(api, appeal["appeal_id"], outcome="reversed", reason="the user's own file")
        assert r.status_code == 200, r.text
        (got,) = hook.wait_for(1)
        assert api.runtime.webhooks.wait_idle(10)
    decided, reversal = r.json()["appeal"], r.json()["reversal"]
    assert (decided["status"], decided["decided_by"]) == ("reversed", "api:moderator-key")
    assert decided["seconds_to_decision"] >= 0
    assert (reversal["action"], reversal["notice"]) == ("allow", None)
    assert json.loads(got.body)["decision_id"] == reversal["decision_id"]
    (entry_id,) = decided["disabled_entries"]
    assert api.store.get_entry(entry_id).enabled is False
    again = blocked_file_again(api)
    assert (again["action"], again["reason"]) == ("allow", "no_match")
    notice = api.client.get(f"/v1/notices/{notice_id}", headers=api.as_("platform")).json()
    assert (notice["appeal_status"], notice["superseded_by"]) == (
        "reversed",
        reversal["decision_id"],
    )


def blocked_file_again(api: Api) -> dict[str, Any]:
    item = {"content_id": "f2", "kind": "file", "attributes": EU}
    item["data_base64"] = base64.b64encode(BAD_BYTES).decode()
    return submit(api, item)


def test_unknown_repeated_and_decided_appeals(api: Api) -> None:
    notice_id = blocked_file(api)["notice"]["notice_id"]
    unknown = file_appeal(api, "ntc_nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["field"] == "notice_id"
    appeal_id = file_appeal(api, notice_id).json()["appeal_id"]
    twice = file_appeal(api, notice_id, "again")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "conflict")
    assert decide(api, "apl_nope", outcome="upheld", reason="x").status_code == 404
    upheld = decide(api, appeal_id, outcome="upheld", reason="the file is known abuse")
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["reversal"] is None
    late = decide(api, appeal_id, outcome="reversed", reason="second thoughts")
    assert late.status_code == 409
    assert late.json()["error"]["field"] == "appeal_id"
    assert api.store.count_decisions() == 1
    one = api.client.get(f"/v1/appeals/{appeal_id}", headers=api.as_("platform")).json()
    assert (one["status"], one["reason"]) == ("upheld", "the file is known abuse")


def test_the_moderator_of_the_case_cannot_review_the_appeal(api: Api) -> None:
    api.store.save_lexicon(
        parse_lexicon_json(LEXICON, file="lexicon.json"), actor="test", replace=True
    )
    api.runtime.reconfigure()
    decision = submit(api, {"content_id": "t1", "text": "buy cheap pills", "attributes": EU})
    assert decision["action"] == "review"
    (case,) = api.client.get("/v1/cases", headers=api.as_("moderator")).json()["cases"]
    closed = api.client.post(
        f"/v1/cases/{case['case_id']}/decision",
        json={"outcome": "confirm", "reason": "spam"},
        headers=api.as_("moderator"),
    )
    assert closed.status_code == 200, closed.text
    # The confirmation is a decision of its own, with the notice a person's decision owes.
    blocked = closed.json()["decision"]
    assert (blocked["action"], blocked["supersedes"]) == ("block", decision["decision_id"])
    assert blocked["notice"]["automated_decision"] is False
    stale = file_appeal(api, decision["notice"]["notice_id"], "too late")
    assert stale.status_code == 409  # the reviewed decision is no longer in force
    appeal = file_appeal(api, blocked["notice"]["notice_id"], "I sell real medicine").json()
    assert "key:moderator-key" in appeal["first_deciders"]
    own = decide(api, appeal["appeal_id"], outcome="reversed", reason="fine")
    assert own.status_code == 409
    assert own.json()["error"]["field"] == "reviewer"
    other = api.store.create_api_key("moderator-2", "moderator", actor="test")[1]
    r = decide(api, appeal["appeal_id"], role=other, outcome="reversed", reason="legit shop")
    assert r.status_code == 200, r.text
    assert r.json()["appeal"]["decided_by"] == "api:moderator-2"
    assert (
        api.client.get("/v1/cases?status=open", headers=api.as_("moderator")).json()["cases"] == []
    )


def test_roles_and_bad_bodies(api: Api) -> None:
    notice_id = blocked_file(api)["notice"]["notice_id"]
    for role in ("moderator", "admin", "auditor"):
        r = api.client.post(
            f"/v1/notices/{notice_id}/appeal", json={"statement": "x"}, headers=api.as_(role)
        )
        assert r.status_code == 403
    empty = file_appeal(api, notice_id, "")
    assert (empty.status_code, empty.json()["error"]["field"]) == (422, "statement")
    appeal_id = file_appeal(api, notice_id).json()["appeal_id"]
    assert decide(api, appeal_id, role="platform", outcome="upheld", reason="x").status_code == 403
    bad = decide(api, appeal_id, outcome="maybe", reason="x")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "outcome")
    assert api.client.get("/v1/appeals", headers=api.as_("platform")).status_code == 403
    for role in ("admin", "auditor"):
        r = api.client.get("/v1/appeals?status=all", headers=api.as_(role))
        assert r.status_code == 200 and r.json()["total"] == 1
    assert api.store.appeals.get(appeal_id).status.value == "open"


@pytest.mark.parametrize("status", ["open", "upheld", "reversed", "all"])
def test_listing_by_status_pages(api: Api, status: str) -> None:
    r = api.client.get(f"/v1/appeals?status={status}&limit=5", headers=api.as_("moderator"))
    assert r.status_code == 200
    assert r.json() == {"appeals": [], "offset": 0, "limit": 5, "total": 0}
