"""Signing in and out, session cookies, CSRF tokens and roles."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ombuds.interfaces.console import sessions as sessions_module
from ombuds.interfaces.console.sessions import COOKIE, Sessions
from ombuds.records import Store
from ombuds.records.repos.keys import Role

from .conftest import CORRUPT_PNG, ConsoleApp, csrf_of, image


def test_signing_in_rotates_the_session_and_sets_a_strict_cookie(console: ConsoleApp) -> None:
    form = console.client.get("/console/sign-in")
    anonymous = console.client.cookies[COOKIE]
    r = console.client.post(
        "/console/sign-in",
        data={
            "key": console.tokens["moderator"],
            "csrf": csrf_of(form.text),
            "next": "/console/banks",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/banks"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # switched off for this plain-http test client
    assert console.client.cookies[COOKIE] != anonymous  # no session fixation
    page = console.client.get("/console/overview")
    assert "moderator-key" in page.text


def test_a_bad_key_is_refused_and_never_echoed_or_logged(
    console: ConsoleApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = console.client.get("/console/sign-in")
    guess = console.tokens["moderator"][:-4] + "AAAA"
    r = console.client.post("/console/sign-in", data={"key": guess, "csrf": csrf_of(form.text)})
    assert r.status_code == 401
    assert "unknown, revoked or expired" in r.text
    assert guess not in r.text
    assert console.client.get("/console/overview", follow_redirects=False).status_code == 303
    csrf = csrf_of(r.text)
    good = console.tokens["moderator"]
    console.client.post("/console/sign-in", data={"key": good, "csrf": csrf})
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert guess not in logged
    assert good not in logged


def test_a_platform_key_cannot_sign_in(console: ConsoleApp) -> None:
    form = console.client.get("/console/sign-in")
    r = console.client.post(
        "/console/sign-in", data={"key": console.tokens["platform"], "csrf": csrf_of(form.text)}
    )
    assert r.status_code == 403
    assert "platform key cannot sign in" in r.text


def test_signed_out_visitors_are_sent_to_sign_in(console: ConsoleApp) -> None:
    r = console.page("/console/queue")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in?next=/console/queue"
    r = console.client.get("/console/queue", headers={"HX-Request": "true"})
    assert r.headers["hx-redirect"].startswith("/console/sign-in")
    # An off-site `next` is ignored: no open redirect.
    form = console.client.get("/console/sign-in")
    r = console.client.post(
        "/console/sign-in",
        data={
            "key": console.tokens["auditor"],
            "csrf": csrf_of(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/overview"


def test_every_post_needs_the_sessions_csrf_token(console: ConsoleApp) -> None:
    console.submit(image(CORRUPT_PNG, "img-1"))
    (case,) = console.store.list_cases()
    csrf = console.sign_in("moderator")
    url = f"/console/queue/{case.case_id}/decide"
    for token in ("", "forged", csrf[:-1]):
        r = console.client.post(url, data={"csrf": token, "outcome": "reject"})
        assert r.status_code == 403, token
        assert "stale or was not sent by this console" in r.text
    assert console.store.get_case(case.case_id).status.value == "open"
    # Another session's token is no good either.
    other = ConsoleApp(console.client, console.store, console.runtime, console.tokens)
    other_csrf = other.sign_in("moderator")
    console.client.cookies.clear()
    csrf_now = console.sign_in("moderator")
    assert other_csrf != csrf_now
    r = console.client.post(url, data={"csrf": other_csrf, "outcome": "reject"})
    assert r.status_code == 403
    r = console.client.post(url, headers={"X-CSRF-Token": csrf_now}, data={"outcome": "reject"})
    assert r.status_code == 200
    assert console.store.get_case(case.case_id).status.value == "rejected"


def test_an_auditor_reads_the_queue_but_cannot_decide(console: ConsoleApp) -> None:
    console.submit(image(CORRUPT_PNG, "img-1"))
    (case,) = console.store.list_cases()
    csrf = console.sign_in("auditor")
    page = console.client.get("/console/queue").text
    assert "Read-only: only moderators decide cases." in page
    assert 'data-key="b"' not in page
    r = console.client.post(
        f"/console/queue/{case.case_id}/decide", data={"csrf": csrf, "outcome": "confirm"}
    )
    assert r.status_code == 403
    assert "may not do this" in r.text
    assert console.store.get_case(case.case_id).status.value == "open"


def test_an_admin_cannot_decide_and_a_moderator_cannot_manage_banks(console: ConsoleApp) -> None:
    console.submit(image(CORRUPT_PNG, "img-1"))
    (case,) = console.store.list_cases()
    csrf = console.sign_in("admin")
    r = console.client.post(
        f"/console/queue/{case.case_id}/decide", data={"csrf": csrf, "outcome": "reject"}
    )
    assert r.status_code == 403
    csrf = console.sign_in("moderator")
    entry = console.store.list_entries("known")[0]
    r = console.client.post(
        f"/console/banks/known/entries/{entry.public_id}/state",
        data={"csrf": csrf, "enabled": "false"},
    )
    assert r.status_code == 403
    assert console.store.list_entries("known")[0].enabled


def test_revoking_the_key_ends_its_sessions_and_signing_out_ends_one(console: ConsoleApp) -> None:
    csrf = console.sign_in("moderator")
    console.store.revoke_api_key("moderator-key", actor="test")
    r = console.page("/console/overview")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in?ended=key"
    assert "was revoked or has expired" in console.client.get(r.headers["location"]).text
    csrf = console.sign_in("auditor")
    r = console.client.post("/console/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert console.page("/console/overview").status_code == 303


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_sessions_expire_when_idle_and_are_kept_only_hashed(store: Store) -> None:
    now = [T0]
    sessions = Sessions(lambda: store.console_sessions, idle_s=60, clock=lambda: now[0])
    token = sessions.sign_in(None, "m", "0123456789abcdef", Role.MODERATOR)
    with store.engine.connect() as conn:
        (row,) = conn.execute(text("SELECT * FROM console_sessions")).all()
    assert token not in repr(row)
    assert sessions.get(token) is not None
    now[0] += timedelta(seconds=59)
    assert sessions.get(token) is not None  # each request keeps it alive
    now[0] += timedelta(seconds=61)
    assert sessions.get(token) is None
    assert len(sessions) == 0


def test_ended_sessions_nobody_returns_with_are_swept(store: Store) -> None:
    now = [T0]
    sessions = Sessions(lambda: store.console_sessions, idle_s=60, clock=lambda: now[0])
    sessions.sign_in(None, "m", "0123456789abcdef", Role.MODERATOR)
    sessions.new()
    now[0] += timedelta(seconds=61)
    sessions.new()  # the first new session after an idle limit sweeps
    assert len(sessions) == 1


def test_a_session_and_its_flashes_outlive_the_process_that_made_them(store: Store) -> None:
    before = Sessions(lambda: store.console_sessions, idle_s=600)
    token = before.sign_in(None, "m", "0123456789abcdef", Role.MODERATOR)
    session = before.get(token)
    assert session is not None
    session.flash("ok", "banked")
    after = Sessions(lambda: store.console_sessions, idle_s=600)  # a restarted server
    again = after.get(token)
    assert again is not None and again.role is Role.MODERATOR and again.csrf == session.csrf
    assert again.take_flashes() == [("ok", "banked")]
    shown = after.get(token)
    assert shown is not None and shown.take_flashes() == []


def test_a_full_table_sheds_anonymous_sessions_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "MAX_SESSIONS", 10)
    now = [T0]
    sessions = Sessions(lambda: store.console_sessions, idle_s=3600, clock=lambda: now[0])
    signed = sessions.sign_in(None, "m", "0123456789abcdef", Role.MODERATOR)
    anonymous = []
    for _ in range(12):
        now[0] += timedelta(seconds=1)
        anonymous.append(sessions.new()[0])
    assert len(sessions) <= 10
    assert sessions.get(signed) is not None
    assert sessions.get(anonymous[-1]) is not None
    assert sessions.get(anonymous[0]) is None  # the least recently seen went first
