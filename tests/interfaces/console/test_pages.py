"""Every console page renders for every reader role, on SQLite and PostgreSQL, and shows
what is stored; errors are pages, not JSON."""

from __future__ import annotations

import hashlib

import pytest

from ombuds.records import dump_policy_json

from .conftest import BAD_BYTES, CORRUPT_PNG, EU, ConsoleApp, image

READERS = ("moderator", "admin", "auditor")


@pytest.fixture
def with_cases(console: ConsoleApp) -> ConsoleApp:
    """Two open cases: an unreadable image with a preview, and a text the policy reviews."""
    console.submit(image(CORRUPT_PNG, "img-1", "https://platform.example/thumbs/img-1.png"))
    console.submit({"content_id": "txt-1", "text": "buy cheap pills now", "attributes": EU})
    return console


@pytest.mark.parametrize("role", READERS)
def test_every_page_renders_for_every_reader(with_cases: ConsoleApp, role: str) -> None:
    console = with_cases
    csrf = console.sign_in(role)
    (case,) = console.store.list_cases(limit=1)
    md5 = hashlib.md5(BAD_BYTES).hexdigest()
    pages = {
        "/console/overview": "open cases",
        "/console/queue": case.content_id,
        "/console/queue?status=all": "txt-1",
        f"/console/queue/{case.case_id}": case.case_id,
        "/console/banks": "known",
        f"/console/banks?q={md5}": "1 entry hold",
        "/console/banks/known": md5[:16],
        "/console/lexicons": "scams",
        "/console/lexicons/scams": "zorbcoin giveaway",
        "/console/policies": "region ==",
        "/console/policies/eu": "Dry run a draft",
        "/console/appeals?status=all": "No appeal.",
        "/console/ledger": "<code>policy.save</code>",
    }
    for path, expected in pages.items():
        r = console.client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert expected in r.text, path
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert r.headers["cache-control"] == "no-store"
    r = console.client.post(
        "/console/lexicons/scams/try", data={"csrf": csrf, "text": "CHEAP  pills, really"}
    )
    assert r.status_code == 200
    assert "<mark>cheap pills</mark>" in r.text
    export = console.client.get("/console/banks/known/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert md5 in export.text


def test_the_case_panel_shows_the_evidence(with_cases: ConsoleApp) -> None:
    console = with_cases
    console.sign_in("moderator")
    text_case = next(c for c in console.store.list_cases() if c.content_id == "txt-1")
    panel = console.client.get(f"/console/queue/{text_case.case_id}").text
    assert "<mark>cheap pills</mark>" in panel
    assert "Text is never stored" in panel
    assert "Confirm <kbd>b</kbd>" in panel  # text has no signals to bank
    image_case = next(c for c in console.store.list_cases() if c.content_id == "img-1")
    panel = console.client.get(f"/console/queue/{image_case.case_id}").text
    assert 'src="https://platform.example/thumbs/img-1.png"' in panel
    assert "data-preview" in panel
    assert "Nothing could be read" in panel
    assert "Confirm &amp; bank" in panel
    assert '<option value="known" selected>' in panel


def test_a_bank_match_shows_its_entry_and_distance(console: ConsoleApp) -> None:
    decision = console.submit(image(BAD_BYTES, "img-2", "https://platform.example/t/2.png"))
    assert decision["action"] == "block"
    console.sign_in("admin")
    entry_id = decision["evidence"][0]["rule_id"]
    r = console.client.get("/console/banks", params={"q": entry_id})
    assert entry_id in r.text
    assert "known" in r.text


def test_the_queue_says_when_it_is_empty_and_when_there_is_no_preview(
    console: ConsoleApp,
) -> None:
    console.sign_in("moderator")
    assert "The queue is clear." in console.client.get("/console/queue").text
    console.submit(image(CORRUPT_PNG, "img-3"))
    assert "sent no preview" in console.client.get("/console/queue").text


def test_errors_under_console_are_pages_and_the_api_keeps_json(console: ConsoleApp) -> None:
    console.sign_in("auditor")
    r = console.client.get("/console/banks/no-such-bank")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "no bank named" in r.text
    assert console.client.get("/console/nowhere").status_code == 404
    assert console.client.get("/console/static/../app.py").status_code == 404
    api = console.client.get("/v1/banks/no-such-bank/entries")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "unauthenticated"


def test_static_files_are_served(console: ConsoleApp) -> None:
    js = console.client.get("/console/static/htmx.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "htmx" in js.text
    assert "Zero-Clause BSD" in console.client.get("/console/static/NOTICE-htmx.txt").text
    assert console.client.get("/console/static/console.css").status_code == 200
    assert console.client.get("/console/static/secret.txt").status_code == 404


def test_the_dry_run_reports_what_a_draft_would_change(with_cases: ConsoleApp) -> None:
    console = with_cases
    csrf = console.sign_in("auditor")  # read-only, and allowed: a dry run changes nothing
    draft = console.client.get("/console/policies/eu").text
    assert "&#34;default_action&#34;: &#34;review&#34;" in draft
    policy = console.store.get_policy("eu")
    text = dump_policy_json(policy).replace(
        '"default_action": "review"', '"default_action": "block"'
    )
    r = console.client.post(
        "/console/policies/dry-run",
        data={"csrf": csrf, "draft": text, "limit": "100"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    assert "2 changed" in r.text  # the spam text and the unscannable image
    bad = console.client.post(
        "/console/policies/dry-run",
        data={"csrf": csrf, "draft": text.replace('"known"', '"nope"'), "limit": "100"},
        headers={"HX-Request": "true"},
    )
    assert "no bank named" in bad.text
    assert "banks[0]" in bad.text


def test_a_preview_url_must_be_http_or_https(console: ConsoleApp) -> None:
    headers = {"Authorization": f"Bearer {console.tokens['platform']}"}
    for bad in ("javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://x/y.png", "http://"):
        r = console.client.post("/v1/content", json=image(CORRUPT_PNG, "p", bad), headers=headers)
        assert r.status_code == 422, bad
        assert r.json()["error"]["field"] == "preview_url"
    decision = console.submit(image(CORRUPT_PNG, "p", "https://platform.example/p.png"))
    stored = console.store.get_decision(decision["decision_id"])
    assert stored.extra == {"preview_url": "https://platform.example/p.png"}
