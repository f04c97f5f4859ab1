"""Transparency reports in the console: admins release, everyone signed in reads, and a
refused release is a message on the page, with nothing ledgered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import BAD_BYTES, ConsoleApp, image

TODAY = datetime.now(UTC).date()
WINDOW = {"since": str(TODAY - timedelta(days=1)), "until": str(TODAY + timedelta(days=1))}


def test_an_admin_releases_and_a_moderator_reads_it(console: ConsoleApp) -> None:
    console.submit(image(BAD_BYTES, "img-1"))
    csrf = console.sign_in("admin")
    assert "No report released yet." in console.client.get("/console/reports").text
    r = console.client.post("/console/reports", data={"csrf": csrf, **WINDOW, "epsilon": "2"})
    assert r.status_code == 200
    (entry,) = console.store.reports.releases()
    assert entry.actor == "console:admin-key"
    assert f"released (ledger seq {entry.seq})" in r.text
    console.sign_in("moderator")
    page = console.client.get("/console/reports").text
    assert f"{WINDOW['since']} to {WINDOW['until']}" in page
    assert "decisions by action" in page and "at 95 %" in page
    count = entry.payload["sections"]["decisions_by_action"]["counts"]["inline/block"]
    assert f'<td>inline/block</td><td class="num">{count:,}</td>' in page
    assert 'name="epsilon"' not in page  # no release form for a moderator


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({**WINDOW, "epsilon": "3.5"}, "Not released (epsilon): privacy budget exhausted"),
        ({"since": WINDOW["until"], "until": WINDOW["since"]}, "Not released (until)"),
    ],
)
def test_a_refused_release_says_why_and_ledgers_nothing(
    console: ConsoleApp, form: dict[str, str], message: str
) -> None:
    csrf = console.sign_in("admin")
    r = console.client.post("/console/reports", data={"csrf": csrf, **form})
    assert r.status_code == 200
    assert message in r.text
    assert console.store.reports.releases() == []


def test_only_admins_release(console: ConsoleApp) -> None:
    csrf = console.sign_in("auditor")
    r = console.client.post("/console/reports", data={"csrf": csrf, **WINDOW})
    assert r.status_code == 403
    assert console.store.reports.releases() == []
