"""The review queue over HTTP: cases open with review decisions, reviewers close them, and
a confirmation that banks the content makes the engine catch it inline next time."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ombuds.records import parse_lexicon_json

from .conftest import Api

EU = {"region": "EU"}
# A PNG header and nothing decodable: unscannable, which the policy sends to review.
CORRUPT_PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image" * 8
# The policy blocks "scam" and "abuse"; anything else it matches goes to review.
LEXICON = """{"format": "ombuds.lexicon/1", "name": "scams", "description": "",
 "separator_insensitive": false,
 "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"},
           {"id": "s2", "kind": "term", "category": "spam", "term": "cheap pills"}]}"""


def image(data: bytes, content_id: str) -> dict[str, object]:
    encoded = base64.b64encode(data).decode()
    return {"content_id": content_id, "kind": "image", "data_base64": encoded, "attributes": EU}


def submit(api: Api, item: dict[str, object]) -> dict[str, Any]:
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def open_cases(api: Api, role: str = "moderator", **params: object) -> dict[str, Any]:
    r = api.client.get("/v1/cases", params=params, headers=api.as_(role))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def decide(api: Api, case_id: str, **body: object) -> Any:
    return api.client.post(f"/v1/cases/{case_id}/decision", json=body, headers=api.as_("moderator"))


@pytest.fixture
def reviewed_text(api: Api) -> dict[str, Any]:
    """A text the policy reviews (category spam), and its case."""
    api.store.save_lexicon(
        parse_lexicon_json(LEXICON, file="lexicon.json"), replace=True, actor="test"
    )
    api.runtime.reload()
    decision = submit(api, {"content_id": "t1", "text": "buy cheap pills now", "attributes": EU})
    assert (decision["action"], decision["category"]) == ("review", "spam")
    (case,) = open_cases(api)["cases"]
    assert isinstance(case, dict)
    return case


def test_confirming_and_banking_an_image_blocks_it_inline_next_time(api: Api) -> None:
    inline = submit(api, image(CORRUPT_PNG, "img1"))
    assert inline["action"] == "allow"  # before delivery nothing matched
    listing = open_cases(api)
    assert listing["total"] == 1
    (case,) = listing["cases"]
    assert (case["status"], case["decision_reason"], case["tier"]) == (
        "open",
        "unscannable",
        "deferred",
    )
    assert (case["content_id"], case["content_kind"], case["policy"]) == ("img1", "image", "eu")
    assert case["detail"]

    r = decide(api, case["case_id"], outcome="confirm", reason="known abuse", bank="known")
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["case"]["status"] == "confirmed"
    assert (decided["case"]["decided_by"], decided["case"]["bank"]) == ("moderator-key", "known")
    assert decided["case"]["decided_at"] is not None
    assert decided["banked"]
    entry = api.store.get_entry(decided["banked"][0])
    assert (entry.author, entry.reason, entry.category) == ("moderator-key", "known abuse", "abuse")
    assert entry.provenance.startswith(f"decision {case['decision_id']}")

    again = submit(api, image(CORRUPT_PNG, "img2"))
    assert (again["action"], again["tier"], again["category"]) == ("block", "inline", "abuse")
    assert again["evidence"][0]["rule_id"] in decided["banked"]
    assert open_cases(api)["total"] == 0  # blocked inline: nothing more to review
    assert open_cases(api, status="confirmed")["total"] == 1


def test_cases_carry_the_evidence_the_console_shows(
    api: Api, reviewed_text: dict[str, Any]
) -> None:
    (evidence,) = reviewed_text["evidence"]
    assert (evidence["source"], evidence["name"], evidence["rule_id"]) == ("lexicon", "scams", "s2")
    assert evidence["matched_text"] == ["cheap pills"]
    assert evidence["spans"] == [[4, 15]]
    assert (evidence["via"], evidence["boxes"], evidence["distance"]) == ("", [], None)
    for role in ("moderator", "admin"):
        r = api.client.get(f"/v1/cases/{reviewed_text['case_id']}", headers=api.as_(role))
        assert r.status_code == 200, r.text
        assert r.json() == reviewed_text


@pytest.mark.parametrize(("outcome", "status"), [("reject", "rejected"), ("escalate", "escalated")])
def test_reject_and_escalate_close_the_case_without_banking(
    api: Api, reviewed_text: dict[str, Any], outcome: str, status: str
) -> None:
    case_id = reviewed_text["case_id"]
    r = decide(api, case_id, outcome=outcome, reason="context")
    assert r.status_code == 200, r.text
    assert (r.json()["case"]["status"], r.json()["banked"]) == (status, [])
    assert r.json()["case"]["reason"] == "context"
    assert open_cases(api)["cases"] == []
    assert [c["case_id"] for c in open_cases(api, status=status)["cases"]] == [case_id]
    assert api.store.count_entries("known") == 1  # the seeded entry only


def test_confirm_without_a_bank_and_deciding_twice(api: Api, reviewed_text: dict[str, Any]) -> None:
    case_id = reviewed_text["case_id"]
    r = decide(api, case_id, outcome="confirm", reason="spam indeed", bank=None)
    assert r.status_code == 200, r.text
    assert (r.json()["case"]["status"], r.json()["case"]["bank"]) == ("confirmed", None)
    twice = decide(api, case_id, outcome="reject", reason="changed my mind")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "conflict"
    assert twice.json()["error"]["field"] == "case_id"
    assert api.store.get_case(case_id).status.value == "confirmed"


def test_a_bank_the_policy_does_not_use_is_refused(api: Api) -> None:
    submit(api, image(CORRUPT_PNG, "img1"))
    (case,) = open_cases(api)["cases"]
    r = decide(api, case["case_id"], outcome="confirm", reason="x", bank="elsewhere")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "bank"
    r = decide(api, case["case_id"], outcome="reject", reason="x", bank="known")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "bank"
    assert open_cases(api)["total"] == 1  # still open, nothing banked
    assert api.store.count_entries("known") == 1


def test_text_has_no_signals_to_bank(api: Api, reviewed_text: dict[str, Any]) -> None:
    r = decide(api, reviewed_text["case_id"], outcome="confirm", reason="x", bank="known")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "signals"
    assert open_cases(api)["total"] == 1


def test_roles_paging_and_bad_requests(api: Api) -> None:
    for n in range(3):
        submit(api, image(CORRUPT_PNG + bytes([n]), f"img{n}"))
    listing = open_cases(api, offset=1, limit=1)
    assert (listing["total"], listing["offset"], listing["limit"]) == (3, 1, 1)
    assert [c["content_id"] for c in listing["cases"]] == ["img1"]
    assert open_cases(api, "admin", status="all")["total"] == 3
    case_id = listing["cases"][0]["case_id"]
    for role in ("platform", "auditor"):
        assert api.client.get("/v1/cases", headers=api.as_(role)).status_code == 403
    for role in ("admin", "platform"):
        r = api.client.post(
            f"/v1/cases/{case_id}/decision",
            json={"outcome": "reject", "reason": ""},
            headers=api.as_(role),
        )
        assert r.status_code == 403
    assert api.client.get("/v1/cases").status_code == 401
    bad = decide(api, case_id, outcome="approve", reason="")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "outcome")
    nul = decide(api, case_id, outcome="reject", reason="a\x00b")
    assert (nul.status_code, nul.json()["error"]["field"]) == (422, "reason")
    extra = decide(api, case_id, outcome="reject", reason="", note="typo")
    assert (extra.status_code, extra.json()["error"]["field"]) == (422, "note")
    status = api.client.get("/v1/cases", params={"status": "pending"}, headers=api.as_("moderator"))
    assert (status.status_code, status.json()["error"]["field"]) == (422, "status")
    missing = decide(api, "case_nope", outcome="reject", reason="")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    got = api.client.get("/v1/cases/case_nope", headers=api.as_("moderator"))
    assert got.status_code == 404


def test_a_case_outcome_is_published_like_a_deferred_decision(
    api: Api, reviewed_text: dict[str, Any]
) -> None:
    """Counted in the decision metrics (and queued for the webhooks) by `Runtime.publish`."""
    series = 'ombuds_decisions_total{action="block",tier="deferred"}'

    def blocked_deferred() -> float:
        text = api.client.get("/metrics", headers=api.as_("auditor")).text
        line = next(x for x in text.splitlines() if x.startswith(series))
        return float(line.split()[-1])

    before = blocked_deferred()
    r = decide(api, reviewed_text["case_id"], outcome="confirm", reason="spam", bank=None)
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["action"] == "block"
    assert blocked_deferred() == before + 1
