"""Appeals and the ledger browser."""

from __future__ import annotations

from typing import Any

from .conftest import BAD_BYTES, CORRUPT_PNG, ConsoleApp, image


def appeal(console: ConsoleApp, content_id: str) -> dict[str, Any]:
    decision = console.submit(image(BAD_BYTES, content_id, "https://platform.example/a.png"))
    assert decision["action"] == "block"
    r = console.client.post(
        f"/v1/notices/{decision['notice']['notice_id']}/appeal",
        json={"statement": "This is my own holiday photo."},
        headers={"Authorization": f"Bearer {console.tokens['platform']}"},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_moderator_reverses_an_appeal_and_the_content_is_restored(console: ConsoleApp) -> None:
    filed = appeal(console, "img-a")
    csrf = console.sign_in("moderator")
    page = console.client.get("/console/appeals").text
    assert "This is my own holiday photo." in page
    assert filed["appeal_id"] in page
    r = console.client.post(
        f"/console/appeals/{filed['appeal_id']}/decide",
        data={"csrf": csrf, "outcome": "reversed", "reason": "a false match"},
    )
    assert r.status_code == 200
    assert f"Appeal {filed['appeal_id']} reversed. The content is restored" in r.text
    assert console.store.appeals.get(filed["appeal_id"]).status.value == "reversed"
    assert console.submit(image(BAD_BYTES, "img-b"))["action"] != "block"
    done = console.client.get("/console/appeals", params={"status": "reversed"}).text
    assert "a false match" in done


def test_appeals_are_read_only_for_auditors_and_need_a_reason(console: ConsoleApp) -> None:
    filed = appeal(console, "img-a")
    csrf = console.sign_in("auditor")
    assert (
        "Read-only: only moderators decide appeals." in console.client.get("/console/appeals").text
    )
    url = f"/console/appeals/{filed['appeal_id']}/decide"
    assert (
        console.client.post(
            url, data={"csrf": csrf, "outcome": "upheld", "reason": "x"}
        ).status_code
        == 403
    )
    csrf = console.sign_in("moderator")
    r = console.client.post(url, data={"csrf": csrf, "outcome": "upheld", "reason": ""})
    assert r.status_code == 422
    assert console.store.appeals.get(filed["appeal_id"]).status.value == "open"


def test_the_ledger_shows_who_did_what_filtered_and_paged(console: ConsoleApp) -> None:
    console.submit(image(CORRUPT_PNG, "img-1"))
    (case,) = console.store.list_cases()
    csrf = console.sign_in("moderator")
    console.client.post(
        f"/console/queue/{case.case_id}/decide",
        data={"csrf": csrf, "outcome": "confirm", "bank": "known", "reason": "seen before"},
    )
    page = console.client.get("/console/ledger").text
    for expected in ("bank.create", "lexicon.save", "policy.save", "decisions"):
        assert f"<code>{expected}</code>" in page
    mine = console.client.get("/console/ledger", params={"actor": "console:moderator-key"}).text
    assert "<code>case.decide</code>" in mine
    assert "<code>bank.add</code>" in mine
    assert "<code>policy.save</code>" not in mine
    only = console.client.get("/console/ledger", params={"kind": "case.decide"}).text
    assert "<code>case.decide</code>" in only
    assert "<code>bank.create</code>" not in only
    later = console.client.get("/console/ledger", params={"after": 10_000}).text
    assert "No ledger entry" in later
