"""The counts transparency reports are made of: bounded per author, half-open windows,
appeals and cases attributed through their decisions; releases ledgered atomically."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest

from ombuds.domain import Action, Decision
from ombuds.records import Store
from ombuds.records.ledger.model import Kind
from ombuds.records.reports import ExactCounts, Window
from ombuds.records.types import utcnow

from .accountability_data import T0, decision


def by(author: str, n: int, action: Action = Action.BLOCK) -> Decision:
    return dataclasses.replace(decision(n, action), author_id=author)


def counts(store: Store, window: Window, per_author: int) -> ExactCounts:
    seen: list[ExactCounts] = []

    def keep(exact: ExactCounts, _earlier: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        seen.append(exact)
        raise LookupError("stop before ledgering")  # the test only wants the counts

    with pytest.raises(LookupError):
        store.reports.release(window, per_author, keep, actor="test")
    return seen[0]


WIDE = Window(T0, utcnow() + timedelta(days=1))


def test_each_author_counts_at_most_per_author_rows(store: Store) -> None:
    heavy = [by("heavy", n) for n in range(12)]
    light = [by("light", n, Action.ALLOW) for n in range(12, 14)]
    purged = [by("", n, Action.ALLOW) for n in range(14, 19)]  # no author: one each
    store.record_decisions([*heavy, *light, *purged])
    exact = counts(store, WIDE, per_author=3)
    assert exact["decisions_by_action"] == {"inline/block": 3, "inline/allow": 7}
    assert exact["decisions_by_policy"] == {"eu": 10}
    assert counts(store, WIDE, per_author=100)["decisions_by_action"] == {
        "inline/block": 12,
        "inline/allow": 7,
    }


def test_the_earliest_rows_of_an_author_are_the_ones_kept(store: Store) -> None:
    store.record_decisions([by("a", 0, Action.BLOCK), by("a", 1, Action.ALLOW)])
    assert counts(store, WIDE, per_author=1)["decisions_by_action"] == {"inline/block": 1}


def test_windows_are_half_open(store: Store) -> None:
    store.record_decisions([by(f"u{n}", n) for n in range(5)])  # at T0 + n seconds
    window = Window(T0 + timedelta(seconds=1), T0 + timedelta(seconds=3))
    assert counts(store, window, per_author=10)["decisions_by_action"] == {"inline/block": 2}


def test_appeals_and_cases_are_bounded_by_their_decisions_author(store: Store) -> None:
    store.record_decisions([by("a", n) for n in range(3)] + [by("b", 3, Action.REVIEW)])
    for n in range(3):
        store.appeals.open(f"ntc_{n}", "not a scam", actor="api:p")
    exact = counts(store, WIDE, per_author=2)
    assert exact["appeals_by_status"] == {"open": 2}
    assert exact["cases_by_status"] == {"open": 1}


def test_a_release_is_one_ledger_entry_and_a_refusal_writes_nothing(store: Store) -> None:
    store.record_decisions([by("a", 0)])

    def publish(exact: ExactCounts, earlier: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return {"n": len(earlier), "sections": exact}

    first, _ = store.reports.release(WIDE, 5, publish, actor="cli:alice")
    second, _ = store.reports.release(WIDE, 5, publish, actor="cli:alice")
    assert (first.kind, first.actor) == (Kind.REPORT_TRANSPARENCY, "cli:alice")
    assert [e.payload["n"] for e in store.reports.releases()] == [0, 1]
    assert second.payload["sections"]["decisions_by_action"] == {"inline/block": 1}
    counts(store, WIDE, 5)  # raises inside the transaction
    assert len(store.reports.releases()) == 2
    assert store.verify_ledger().ok
