"""Lexicons and policies through /v1 (SQLite and PostgreSQL): the files' JSON, errors naming
the field, all or nothing, and the running engine following each change."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ombuds.records import Store

from .backends import running_api
from .conftest import Api


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[Api]:
    with running_api(store, tmp_path) as running:
        yield running


def lexicon(*rules: dict[str, Any], name: str = "scams") -> dict[str, Any]:
    return {"format": "ombuds.lexicon/1", "name": name, "rules": list(rules)}


def term(rule_id: str, text: str, category: str = "scam") -> dict[str, Any]:
    return {"id": rule_id, "kind": "term", "category": category, "term": text}


def say(api: Api, text: str, region: str = "EU") -> str:
    item = {"content_id": "t", "text": text, "attributes": {"region": region}}
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    return str(r.json()["action"])


def send(api: Api, method: str, path: str, body: Any, role: str = "admin") -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**api.as_(role), "Content-Type": "application/json"}
    return api.client.request(method, path, content=data, headers=headers)


def test_a_lexicon_change_is_matched_at_once(api: Api) -> None:
    assert say(api, "free moonbucks here") == "allow"
    new = lexicon(term("s1", "zorbcoin giveaway"), term("s2", "free moonbucks"))
    r = send(api, "PUT", "/v1/lexicons/scams", new)
    assert r.status_code == 200, r.text
    assert r.json()["rules"][1] == term("s2", "free moonbucks")
    assert say(api, "FREE  moonbucks here") == "block"
    r = api.client.get("/v1/lexicons/scams", headers=api.as_("moderator"))
    assert r.json() == {**new, "description": "", "separator_insensitive": False}
    listing = api.client.get("/v1/lexicons", headers=api.as_("auditor")).json()
    assert listing == {
        "lexicons": [
            {"name": "scams", "description": "", "separator_insensitive": False, "rules": 2}
        ]
    }


def test_lexicon_errors_name_the_field_and_write_nothing(api: Api) -> None:
    combo = {"id": "c", "kind": "combination", "category": "x", "terms": ["a", "b", "c", "b"]}
    cases = [
        (lexicon(term("s1", "ok"), combo), "rules[1].terms[3]"),
        (lexicon(term("s1", "ok"), term("s1", "again")), "rules[1].id"),
        (lexicon({"id": "p", "kind": "pattern", "category": "x", "pattern": "a("}), None),
        (lexicon({"id": "p", "kind": "pattern", "category": "x", "pattern": "x*"}), None),
        (lexicon(term("s1", "\u200b")), "rules[0].term"),
        ({"name": "scams", "rules": [], "colour": 1}, "colour"),
    ]
    for body, field in cases:
        r = send(api, "PUT", "/v1/lexicons/scams", body)
        assert r.status_code == 422, (body, r.text)
        error = r.json()["error"]
        if field is not None:
            assert error["field"] == field, error
        else:
            assert error["field"].startswith("rules[0]"), error
    r = send(api, "PUT", "/v1/lexicons/scams", b'{"name": "scams",\n "rules": [}')
    assert (
        r.json()["error"]["code"] == "malformed_json" and "line 2" in r.json()["error"]["message"]
    )
    r = send(api, "PUT", "/v1/lexicons/other", lexicon(term("s1", "x")))
    assert r.json()["error"]["field"] == "name"
    r = send(api, "POST", "/v1/lexicons", lexicon(term("s1", "x")))
    assert r.status_code == 409
    assert send(api, "PUT", "/v1/lexicons/scams", lexicon(), role="moderator").status_code == 403
    stored = api.client.get("/v1/lexicons/scams", headers=api.as_("admin")).json()
    assert [rule["term"] for rule in stored["rules"]] == ["zorbcoin giveaway"]
    assert say(api, "zorbcoin giveaway") == "block"


def test_policies_crud_scope_errors_and_the_engine_follows(api: Api) -> None:
    policy = api.client.get("/v1/policies/eu", headers=api.as_("auditor")).json()
    assert policy["scope"] == 'region == "EU"' and policy["format"] == "ombuds.policy/1"
    assert say(api, "zorbcoin giveaway", region="US") == "allow"
    r = send(api, "PUT", "/v1/policies/eu", {**policy, "scope": 'region in ["EU", "US"]'})
    assert r.status_code == 200, r.text
    assert say(api, "zorbcoin giveaway", region="US") == "block"

    r = send(api, "PUT", "/v1/policies/eu", {**policy, "scope": "region == "})
    error = r.json()["error"]
    assert (r.status_code, error["field"]) == (422, "scope") and "column 11" in error["message"]
    r = send(api, "PUT", "/v1/policies/eu", {**policy, "banks": ["nope"]})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "banks")
    r = send(api, "PUT", "/v1/policies/eu", {**policy, "actions": {"scam": "nuke"}})
    assert r.json()["error"]["field"] == "actions.scam"
    assert say(api, "zorbcoin giveaway", region="US") == "block"  # the bad ones changed nothing

    labels = {**policy, "name": "us-label", "scope": 'region == "US"', "banks": []}
    labels["actions"] = {"scam": "label"}
    r = send(api, "POST", "/v1/policies", labels)
    assert r.status_code == 201, r.text
    names = [
        p["name"]
        for p in api.client.get("/v1/policies", headers=api.as_("moderator")).json()["policies"]
    ]
    assert names == ["eu", "us-label"]
    r = api.client.delete("/v1/lexicons/scams", headers=api.as_("admin"))
    assert r.status_code == 409  # both policies use it
    assert api.client.delete("/v1/policies/eu", headers=api.as_("admin")).status_code == 204
    assert say(api, "zorbcoin giveaway", region="US") == "label"
    assert say(api, "zorbcoin giveaway", region="EU") == "allow"
    assert api.client.get("/v1/policies/eu", headers=api.as_("admin")).status_code == 404


def test_submissions_go_on_while_rules_change(api: Api) -> None:
    stop = threading.Event()
    failures: list[str] = []

    def keep_submitting() -> None:
        while not stop.is_set():
            action = say(api, "zorbcoin giveaway")
            if action != "block":
                failures.append(action)

    worker = threading.Thread(target=keep_submitting)
    worker.start()
    try:
        for n in range(10):
            rules = [term("s1", "zorbcoin giveaway"), *(term(f"x{i}", f"w{i}") for i in range(n))]
            assert send(api, "PUT", "/v1/lexicons/scams", lexicon(*rules)).status_code == 200
    finally:
        stop.set()
        worker.join()
    assert failures == []
