"""A running server applies bank, lexicon and policy changes made by other processes.

"Another process" is a second Store on the same database (what the CLI opens), or the CLI
itself in a subprocess. The server follows the ledger every 50 ms here; each test waits
for the change to be in force through the API, as a platform would see it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.interfaces.api import create_app
from ombuds.interfaces.api.follow import OwnWrites, read_changes
from ombuds.records import Store, parse_lexicon_json, parse_policy_json
from ombuds.records.ledger import Kind, append

from .conftest import BAD_BYTES, LEXICON, POLICY, Api, make_settings, seed

EU = {"region": "EU"}
OTHER = "cli:someone-else"


@pytest.fixture
def live(store: Store, tmp_path: Path) -> Iterator[Api]:
    """A server on `store`'s database (SQLite and PostgreSQL), following every 50 ms;
    `api.store` is the other process."""
    tokens = seed(store)
    url = store.engine.url.render_as_string(hide_password=False)
    settings = make_settings(tmp_path / "ws", database_url=url, follow_interval_s=0.05)
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        yield Api(client, store, tokens, runtime)


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the change never reached the server"
        time.sleep(0.02)


def action_for(api: Api, data: bytes) -> str:
    item = {
        "content_id": "c1",
        "kind": "file",
        "data_base64": base64.b64encode(data).decode(),
        "attributes": EU,
    }
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    action: str = r.json()["action"]
    return action


def text_action(api: Api, text: str) -> str:
    item = {"content_id": "t1", "kind": "text", "text": text, "attributes": EU}
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    action: str = r.json()["action"]
    return action


def md5_entry(data: bytes, bank: str = "known") -> BankEntry:
    return BankEntry(bank, Signal("md5", hashlib.md5(data).hexdigest()), "abuse")


def caught_up(api: Api) -> bool:
    """Every followed entry is applied (the cursor moves once a page is)."""
    follower = api.runtime.follower
    assert follower is not None
    return not read_changes(api.store.engine, follower.cursor)


def test_an_entry_added_disabled_enabled_and_removed_elsewhere(live: Api) -> None:
    data = b"banked by another process"
    assert action_for(live, data) == "allow"
    (added,) = live.store.add_entries([md5_entry(data)], actor=OTHER, origin="cli")
    eventually(lambda: action_for(live, data) == "block")
    live.store.set_entry_state(added.public_id, enabled=False, actor=OTHER)
    eventually(lambda: action_for(live, data) == "allow")
    live.store.set_entry_state(added.public_id, enabled=True, actor=OTHER)
    eventually(lambda: action_for(live, data) == "block")
    live.store.remove_entry("known", "md5", added.signal.value, actor=OTHER)
    eventually(lambda: action_for(live, data) == "allow")
    assert action_for(live, BAD_BYTES) == "block"  # the seeded entry is untouched
    assert live.runtime.follower is not None and live.runtime.follower.applied == 4


def test_a_removed_entrys_id_given_to_the_next_one_matches_only_the_new_signal(
    live: Api,
) -> None:
    """SQLite hands the highest removed id to the next row: the index must not keep the old
    signal under it (it would match, and cite the new entry)."""
    old, new = b"removed by another process", b"added right after"
    (first,) = live.store.add_entries([md5_entry(old)], actor=OTHER)
    eventually(lambda: action_for(live, old) == "block")
    live.store.remove_entry("known", "md5", first.signal.value, actor=OTHER)
    live.store.add_entries([md5_entry(new)], actor=OTHER)
    eventually(lambda: action_for(live, new) == "block")
    eventually(lambda: action_for(live, old) == "allow")


def test_a_large_import_listed_by_digest_only_is_read_back(live: Api) -> None:
    items = [f"imported item {i}".encode() for i in range(260)]  # past the 200 listed
    added, skipped = live.store.import_entries(
        "known", [md5_entry(d) for d in items], actor=OTHER, origin="cli"
    )
    assert (added, skipped) == (260, 0)
    (entry,) = live.store.ledger_entries()[-1:]
    assert entry.payload["signals_listed"] < entry.payload["count"]
    eventually(lambda: action_for(live, items[-1]) == "block")
    assert action_for(live, items[0]) == "block"


def test_a_policy_change_elsewhere_is_applied(live: Api) -> None:
    assert action_for(live, BAD_BYTES) == "block"
    policy = parse_policy_json(POLICY.replace('"abuse": "block"', '"abuse": "review"'), file="p")
    live.store.save_policy(policy, actor=OTHER, replace=True)
    eventually(lambda: action_for(live, BAD_BYTES) == "review")
    live.store.delete_policy("eu", actor=OTHER)
    eventually(lambda: action_for(live, BAD_BYTES) == "allow")  # no policy covers it now


def test_a_lexicon_term_added_elsewhere_is_matched(live: Api) -> None:
    assert text_action(live, "a quuxcoin airdrop for you") == "allow"
    extra = '{"id": "s2", "kind": "term", "category": "scam", "term": "quuxcoin airdrop"}'
    lexicon = LEXICON.replace('"zorbcoin giveaway"}', f'"zorbcoin giveaway"}}, {extra}')
    live.store.save_lexicon(parse_lexicon_json(lexicon, file="l"), actor=OTHER, replace=True)
    eventually(lambda: text_action(live, "a quuxcoin airdrop for you") == "block")


def test_a_bank_created_renamed_and_deleted_elsewhere(live: Api) -> None:
    data = b"in a bank that goes away"
    live.store.create_bank(Bank("spare", "abuse"), actor=OTHER)
    (entry,) = live.store.add_entries([md5_entry(data, "spare")], actor=OTHER)
    ref = live.store.entry_ids([entry.public_id])[entry.public_id]

    def held() -> bool:
        refs = live.runtime.inspect(
            lambda e: e.bank_matcher.index.lookup("md5", entry.signal.value)
        )
        return ref in refs

    eventually(held)
    live.store.update_bank("spare", {"name": "spare2", "threshold": 5}, actor=OTHER)
    live.store.delete_bank("spare2", actor=OTHER)  # entries go by cascade, unlisted
    eventually(lambda: not held())
    assert live.client.get("/v1/health/ready").status_code == 200


def test_own_changes_are_not_applied_again(live: Api) -> None:
    body = {"entries": [{"signal_type": "md5", "value": hashlib.md5(b"mine").hexdigest()}]}
    r = live.client.post("/v1/banks/known/entries", json=body, headers=live.as_("admin"))
    assert r.status_code == 201, r.text
    r = live.client.delete("/v1/policies/eu", headers=live.as_("admin"))
    assert r.status_code == 204, r.text
    eventually(lambda: caught_up(live))
    assert live.runtime.follower is not None and live.runtime.follower.applied == 0
    live.store.create_bank(Bank("theirs", "abuse"), actor=OTHER)  # one of theirs is applied
    eventually(lambda: caught_up(live))
    assert live.runtime.follower.applied == 1


def test_following_can_be_turned_off(store: Store, tmp_path: Path) -> None:
    seed(store)
    url = store.engine.url.render_as_string(hide_password=False)
    settings = make_settings(tmp_path / "ws", database_url=url, follow_interval_s=0)
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        assert runtime.follower is None
        assert not any(t.name == "ombuds-follow" for t in threading.enumerate())


def test_a_failure_is_logged_and_retried_without_flapping_readiness(
    live: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A store that fails twice (as on a dropped connection), then works."""
    runtime = live.runtime
    real, failures = runtime.refresh, [RuntimeError("connection lost"), OSError("reset")]

    def flaky(entries: Any) -> None:
        if failures:
            raise failures.pop(0)
        real(entries)

    monkeypatch.setattr(runtime, "refresh", flaky)
    data = b"added while the store flickers"
    caplog.set_level(logging.WARNING, logger="ombuds.api.follow")
    live.store.add_entries([md5_entry(data)], actor=OTHER)
    eventually(lambda: action_for(live, data) == "block")
    assert not failures
    assert live.client.get("/v1/health/ready").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "RuntimeError" in warnings[0] and "OSError" in warnings[1]
    assert not any(hashlib.md5(data).hexdigest() in w or "connection" in w for w in warnings)


def test_a_page_failing_again_and_again_rebuilds_the_engine(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(entries: Any) -> None:
        raise RuntimeError("always")

    monkeypatch.setattr(live.runtime, "refresh", broken)
    data = b"applied by a rebuild"
    live.store.add_entries([md5_entry(data)], actor=OTHER)
    eventually(lambda: action_for(live, data) == "block")  # the rebuilt engine read it
    eventually(lambda: caught_up(live))


def test_own_writes_know_an_entry_by_digest_not_by_seq(store: Store) -> None:
    """A seq our rolled-back transaction claimed is taken by the next writer: that entry is
    not ours."""
    url = store.engine.url.render_as_string(hide_password=False)
    ours, theirs = Store.open(url), Store.open(url)
    own = OwnWrites(ours.engine)
    try:
        ours.create_bank(Bank("ours", "abuse"), actor="api:admin-key")
        with Session(ours.engine) as s:
            append(s, Kind.BANK_CREATE, actor="api:admin-key", subject="gone")
            s.rollback()
        theirs.create_bank(Bank("theirs", "abuse"), actor=OTHER)
        first, second = read_changes(store.engine, 0)
        assert (first.subject, second.subject) == ("ours", "theirs")
        assert second.seq == first.seq + 1  # the seq the rolled-back append had claimed
        assert own.mine(first) and not own.mine(second)
        assert len(own) == 2  # ours, and the one rolled back
        own.prune(second.seq)
        assert len(own) == 0 and not own.mine(first)
    finally:
        own.close()
        ours.close()
        theirs.close()


@pytest.fixture
def cli_env(live: Api, tmp_path: Path) -> dict[str, str]:
    url = live.store.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(OMBUDS_HOME=str(tmp_path / "ws"), OMBUDS_DATABASE_URL=url, LOGNAME="carol")
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("ombuds")), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_cli_bank_add_and_an_appeal_reversal_reach_the_server(
    live: Api, cli_env: dict[str, str]
) -> None:
    data = b"banked from the command line"
    cli(cli_env, "bank", "add", "known", "-s", f"md5:{hashlib.md5(data).hexdigest()}")
    eventually(lambda: action_for(live, data) == "block")

    r = live.client.post(
        "/v1/content",
        json={
            "content_id": "f9",
            "kind": "file",
            "attributes": EU,
            "data_base64": base64.b64encode(BAD_BYTES).decode(),
        },
        headers=live.as_("platform"),
    )
    notice_id = r.json()["notice"]["notice_id"]
    r = live.client.post(
        f"/v1/notices/{notice_id}/appeal",
        json={"statement": "my own file"},
        headers=live.as_("platform"),
    )
    assert r.status_code == 201, r.text
    appeal_id = r.json()["appeal_id"]
    cli(cli_env, "appeals", "decide", appeal_id, "--outcome", "reversed", "--reason", "own")
    eventually(lambda: action_for(live, BAD_BYTES) == "allow")
