"""`ombuds serve` applies retention on its own schedule: old decisions lose their personal
ids without anyone running `ombuds purge`; 0 turns it off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombuds.interfaces.api import create_app
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records import Store
from ombuds.records.types import utcnow

from ...records.accountability_data import decision
from .conftest import make_settings, seed


def _serve(tmp_path: Path, interval: float) -> Iterator[tuple[Store, Runtime]]:
    settings = make_settings(tmp_path / "ws", purge_interval_s=interval, retention_days=1)
    store = Store.open(settings.resolved_database_url())
    seed(store)
    # Three decisions from 2026-11-24 (more than a day old) and one made now.
    store.record_decisions(
        [decision(n) for n in range(3)] + [replace(decision(3), created_at=utcnow())]
    )
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        yield store, runtime
    store.close()


@pytest.fixture
def scheduled(tmp_path: Path) -> Iterator[tuple[Store, Runtime]]:
    yield from _serve(tmp_path, 0.2)


@pytest.fixture
def unscheduled(tmp_path: Path) -> Iterator[tuple[Store, Runtime]]:
    yield from _serve(tmp_path, 0)


def test_old_decisions_are_purged_by_the_running_server(scheduled: tuple[Store, Runtime]) -> None:
    store, runtime = scheduled
    deadline = time.monotonic() + 20
    while store.get_decision("dcs_2").author_id and time.monotonic() < deadline:
        time.sleep(0.1)
    for n in range(3):
        old = store.get_decision(f"dcs_{n}")
        assert (old.author_id, old.content_id) == ("", "")
    assert store.get_decision("dcs_3").author_id == "user1"  # within the retention
    purges = [e for e in store.ledger_entries() if e.kind == "purge"]
    assert purges and {e.actor for e in purges} == {"system:purge"}
    assert runtime.retention.purged == 3
    assert store.verify_ledger().ok


def test_an_interval_of_zero_leaves_retention_to_the_operator(
    unscheduled: tuple[Store, Runtime],
) -> None:
    store, runtime = unscheduled
    time.sleep(0.5)
    assert store.get_decision("dcs_0").author_id == "user0"
    assert runtime.retention.purged == 0
    assert [e for e in store.ledger_entries() if e.kind == "purge"] == []
