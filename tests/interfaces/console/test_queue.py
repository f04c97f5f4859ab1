"""Working the queue and the banks without a browser: decisions, banking, entry state,
imports. The browser suite does the same through Chromium."""

from __future__ import annotations

import hashlib

from ombuds.domain import Bank

from .conftest import BAD_BYTES, CORRUPT_PNG, EU, ConsoleApp, image


def test_confirming_and_banking_blocks_the_next_copy_inline(console: ConsoleApp) -> None:
    first = console.submit(image(CORRUPT_PNG, "img-1", "https://platform.example/1.png"))
    assert first["action"] == "allow"
    console.submit(image(CORRUPT_PNG + b"other", "img-2"))
    case, following = console.store.list_cases()
    csrf = console.sign_in("moderator")
    r = console.client.post(
        f"/console/queue/{case.case_id}/decide",
        data={
            "csrf": csrf,
            "outcome": "confirm",
            "bank": "known",
            "reason": "known abuse",
            "next_case": following.case_id,
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    assert f"Case {case.case_id} confirmed. Banked 2 signal(s) in &#39;known&#39;" in r.text
    assert f"Case <code>{following.case_id}</code>" in r.text  # the next case is shown
    decided = console.store.get_case(case.case_id)
    assert (decided.status.value, decided.decided_by, decided.bank) == (
        "confirmed",
        "moderator-key",
        "known",
    )
    again = console.submit(image(CORRUPT_PNG, "img-1-copy"))
    assert (again["action"], again["tier"]) == ("block", "inline")
    r = console.client.post(
        f"/console/queue/{case.case_id}/decide", data={"csrf": csrf, "outcome": "reject"}
    )
    assert r.status_code == 409
    assert "already confirmed" in r.text


def test_reject_and_escalate_without_javascript(console: ConsoleApp) -> None:
    console.submit(image(CORRUPT_PNG, "img-1"))
    console.submit({"content_id": "t", "text": "cheap pills", "attributes": EU})
    first, second = console.store.list_cases()
    csrf = console.sign_in("moderator")
    r = console.client.post(
        f"/console/queue/{first.case_id}/decide",
        data={"csrf": csrf, "outcome": "reject", "reason": "a holiday photo"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/queue?case={second.case_id}"
    r = console.client.post(
        f"/console/queue/{second.case_id}/decide", data={"csrf": csrf, "outcome": "escalate"}
    )
    assert r.status_code == 200  # followed to the queue page
    assert "The queue is clear." in r.text
    assert [c.status.value for c in console.store.list_cases(status=None)] == [
        "rejected",
        "escalated",
    ]
    assert console.store.get_case(first.case_id).reason == "a holiday photo"


def test_a_bank_the_policy_does_not_use_is_refused(console: ConsoleApp) -> None:
    console.store.create_bank(Bank("elsewhere", "abuse"), actor="test")
    console.submit(image(CORRUPT_PNG, "img-1"))
    (case,) = console.store.list_cases()
    csrf = console.sign_in("moderator")
    r = console.client.post(
        f"/console/queue/{case.case_id}/decide",
        data={"csrf": csrf, "outcome": "confirm", "bank": "elsewhere"},
    )
    assert r.status_code == 422
    assert "does not use bank" in r.text
    assert console.store.get_case(case.case_id).status.value == "open"


def test_disabling_an_entry_lets_the_content_through_at_once(console: ConsoleApp) -> None:
    assert console.submit(image(BAD_BYTES, "a"))["action"] == "block"
    entry = console.store.list_entries("known")[0]
    csrf = console.sign_in("admin")
    url = f"/console/banks/known/entries/{entry.public_id}/state"
    r = console.client.post(
        url, data={"csrf": csrf, "enabled": "false"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<tr id="entry-{entry.public_id}"')
    assert "Enable" in r.text
    assert console.submit(image(BAD_BYTES, "b"))["action"] != "block"
    console.client.post(url, data={"csrf": csrf, "enabled": "true"})
    assert console.submit(image(BAD_BYTES, "c"))["action"] == "block"


def test_importing_a_csv_is_all_or_nothing(console: ConsoleApp) -> None:
    csrf = console.sign_in("admin")
    new = hashlib.md5(b"another bad file").hexdigest()
    good = f"signal_type,signal_str,reason\nmd5,{new},from a partner\n"
    r = console.client.post(
        "/console/banks/known/import",
        data={"csrf": csrf},
        files={"file": ("partner.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 200
    assert "Imported partner.csv: 1 added" in r.text
    assert console.submit(image(b"another bad file", "x"))["action"] == "block"
    bad = f"signal_type,signal_str\nmd5,{hashlib.md5(b'z').hexdigest()}\nmd5,nothex\n"
    r = console.client.post(
        "/console/banks/known/import",
        data={"csrf": csrf},
        files={"file": ("broken.csv", bad.encode(), "text/csv")},
    )
    assert "broken.csv rejected (line 3" in r.text
    assert console.store.count_entries("known") == 2
