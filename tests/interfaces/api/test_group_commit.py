"""Submissions through the API share commits: every 200 is durable, and a submission the
database refuses is answered 503 (nothing of it kept) while its neighbours are answered 200."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ombuds.errors import NotFoundError
from ombuds.interfaces.api import runtime as runtime_module
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records import Store

from ...db_faults import POISON, decision_transactions, poisoned, write_locked
from .conftest import Api

EU = {"region": "EU"}


def post_all(api: Api, bodies: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Post every body at once from threads, as concurrent clients do."""
    with ThreadPoolExecutor(len(bodies)) as pool:
        futures = [
            pool.submit(api.client.post, path, json=body, headers=api.as_("platform"))
            for path, body in bodies
        ]
        return [f.result(timeout=60) for f in futures]


def single(content_id: str, text: str = "zorbcoin giveaway") -> tuple[str, dict[str, Any]]:
    return "/v1/content", {"content_id": content_id, "text": text, "attributes": EU}


def durable(store: Store, decision_id: str) -> bool:
    """Read through a connection of the test's own: only committed rows are visible."""
    try:
        store.get_decision(decision_id)
    except NotFoundError:
        return False
    return True


def test_concurrent_submissions_share_commits_and_are_durable(api: Api) -> None:
    bodies = [single(f"m{i}") for i in range(12)]
    with ThreadPoolExecutor(1) as pool:
        with write_locked(api.store):
            pending = pool.submit(post_all, api, bodies)
            time.sleep(1.0)
            # The requests pile up behind the lock: none is answered before its commit.
            assert not pending.done()
        responses = pending.result(timeout=60)
    assert [r.status_code for r in responses] == [200] * 12
    assert all(durable(api.store, r.json()["decision_id"]) for r in responses)
    assert api.store.count_decisions() == 12
    assert decision_transactions(api.store) < 12


def test_a_refused_submission_is_503_and_its_neighbours_are_stored(api: Api) -> None:
    bodies = [single("a"), single(POISON), single("b"), single("c")]
    with poisoned(api.store):
        with ThreadPoolExecutor(1) as pool, write_locked(api.store):
            pending = pool.submit(post_all, api, bodies)
            time.sleep(1.0)  # all four wait for one commit
        good_a, bad, good_b, good_c = pending.result(timeout=60)
    assert bad.status_code == 503
    assert bad.headers["retry-after"] == "1"
    assert bad.json() == {
        "error": {
            "code": "not_recorded",
            "message": bad.json()["error"]["message"],
            "field": None,
        }
    }
    for r in (good_a, good_b, good_c):
        assert r.status_code == 200, r.text
        assert durable(api.store, r.json()["decision_id"])
    assert api.store.count_decisions() == 3


def test_a_refused_batch_keeps_nothing_of_itself(api: Api) -> None:
    items = [
        {"content_id": f"x{i}", "text": "zorbcoin giveaway", "attributes": EU} for i in range(5)
    ]
    items[3]["content_id"] = POISON
    with poisoned(api.store):
        r = api.client.post("/v1/content/batch", json={"items": items}, headers=api.as_("platform"))
        assert r.status_code == 503, r.text
        assert api.store.count_decisions() == 0
        ok = api.client.post("/v1/content", json=single("after")[1], headers=api.as_("platform"))
    assert ok.status_code == 200
    assert api.store.count_decisions() == 1


def test_every_answered_decision_is_readable_at_once(api: Api) -> None:
    responses = post_all(api, [single(f"r{i}", "hello there") for i in range(8)])
    for r in responses:
        decision_id = r.json()["decision_id"]
        got = api.client.get(f"/v1/decisions/{decision_id}", headers=api.as_("platform"))
        assert got.status_code == 200
        assert got.json()["decision_id"] == decision_id


def test_a_large_submission_is_decided_in_a_thread_and_stored(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    decide = Runtime._decide_in_thread

    def spy(runtime: Runtime, contents: Any) -> Any:
        threads.append(threading.current_thread().name)
        return decide(runtime, contents)

    monkeypatch.setattr(runtime_module, "_ON_LOOP_BYTES", 8)  # "large" from 9 bytes on
    monkeypatch.setattr(Runtime, "_decide_in_thread", spy)
    items = [
        {"content_id": f"t{i}", "text": "zorbcoin giveaway", "attributes": EU} for i in range(3)
    ]
    r = api.client.post("/v1/content/batch", json={"items": items}, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    assert threads == ["AnyIO worker thread"]  # not the event loop's thread
    assert all(durable(api.store, d["decision_id"]) for d in r.json()["decisions"])
