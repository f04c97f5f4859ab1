"""PDQ lookups done in the deferred worker, against an index export, reconciled in the engine.

Bank changes made after the export must count exactly as for a lookup in the engine: an
entry added since matches, one removed since does not.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import Any

import pytest

from ombuds.domain import Action, Bank, BankEntry, Content, ContentKind, Decision, Policy, Signal
from ombuds.domain.scope import Scope
from ombuds.engine import Engine, MemorySink
from ombuds.engine.banks import BankMatcher
from ombuds.engine.deferred import worker_lookup
from ombuds.engine.deferred.exports import IndexExports
from ombuds.engine.deferred.matchers import PerceptualMatcher
from ombuds.engine.deferred.tier import DeferredTier
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.signals import default_registry
from ombuds.matching.text import compile_lexicons
from ombuds.queue import queue_backend
from ombuds.settings import Settings

from .conftest import NOW
from .test_deferred import ORIGINAL, encode, pdq_of, photo

BANKED = encode(ORIGINAL)
OTHER = encode(photo(2))
ENTRIES = {
    1: BankEntry("photos", Signal("pdq", pdq_of(BANKED)), "abuse", public_id="be_first"),
    2: BankEntry("photos", Signal("pdq", pdq_of(OTHER)), "abuse", public_id="be_later"),
}
BANKS = {"photos": Bank("photos", "abuse")}


def resolve(ids: Collection[int]) -> Mapping[int, BankEntry]:
    return {i: ENTRIES[i] for i in ids if i in ENTRIES}


def exported(exports: IndexExports) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (current := exports.current()) is None:
        assert time.monotonic() < deadline, "the export was never written"
        time.sleep(0.01)
    return current


def found(matcher: PerceptualMatcher, result: dict[str, Any]) -> set[str]:
    return {e.rule_id for e in matcher.match(result["signals"], {"photos"}, NOW)}


def test_worker_hits_reconciled_equal_a_live_lookup_across_bank_changes() -> None:
    index = PDQIndex(threads=1)
    index.add(ENTRIES[1].signal.value, 1)
    matcher = PerceptualMatcher(index, resolve, BANKS)
    exports = IndexExports(index)
    try:
        spec = {**exported(exports), "threshold": matcher.widest({"photos"})}
        header = {"job_id": "j", "kind": "image", "analyses": ["pdq"], "pdq_lookup": spec}
        copy = worker_lookup.handle(header, encode(ORIGINAL, "JPEG", quality=80))
        other = worker_lookup.handle(header, encode(photo(2), "JPEG", quality=80))
        assert copy["signals"][0]["lookup"]["hits"], "the worker looked it up"
        assert other["signals"][0]["lookup"]["hits"] == []
        assert found(matcher, copy) == {"be_first"}

        index.add(ENTRIES[2].signal.value, 2)  # learned after the export
        assert found(matcher, other) == {"be_later"}
        index.remove(1)  # forgotten after the export
        assert found(matcher, copy) == set()
        index.add(ENTRIES[1].signal.value, 1)  # and learned again (a refresh)
        assert found(matcher, copy) == {"be_first"}
        for result in (copy, other):  # the same as looking up here, which ignores `lookup`
            live = [{k: v for k, v in s.items() if k != "lookup"} for s in result["signals"]]
            assert found(matcher, result) == found(matcher, {"signals": live})
    finally:
        exports.close()


def test_an_unreadable_export_leaves_the_lookup_to_the_engine() -> None:
    header = {"job_id": "j", "kind": "image", "analyses": ["pdq"],
              "pdq_lookup": {"path": "/nonexistent/rows.pdq", "epoch": 1, "rows": 1,
                             "threshold": 31}}  # fmt: skip
    result = worker_lookup.handle(header, BANKED)
    assert "lookup" not in result["signals"][0]
    index = PDQIndex(threads=1)
    index.add(ENTRIES[1].signal.value, 1)
    assert found(PerceptualMatcher(index, resolve, BANKS), result) == {"be_first"}


@pytest.mark.parametrize("rows_after_export", [0, 1])
def test_worker_processes_look_up_and_the_engine_reconciles(
    rows_after_export: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = PDQIndex(threads=1)
    index.add(ENTRIES[1].signal.value, 1)
    settings = Settings(ocr=False)
    pushed: list[Decision] = []
    tier = DeferredTier(
        queue_factory=lambda handler, done: queue_backend("process", handler, done),
        perceptual=PerceptualMatcher(index, resolve, BANKS),
        text=compile_lexicons([]),
        settings=settings,
        clock=lambda: NOW,
        on_decision=pushed.append,
    )
    policy = Policy("eu", Scope.parse("true"), banks=("photos",), actions={"abuse": Action.BLOCK})
    engine = Engine([policy], text=compile_lexicons([]), settings=settings, sink=MemorySink(),
                    banks=BankMatcher(ExactIndex(), resolve, default_registry()),
                    clock=lambda: NOW, deferred=tier)  # fmt: skip
    reconciled: list[object] = []
    real = index.reconcile
    monkeypatch.setattr(index, "reconcile", lambda *a: reconciled.append(a) or real(*a))
    try:
        assert tier._exports is not None
        exported(tier._exports)
        if rows_after_export:
            index.add(ENTRIES[2].signal.value, 2)
        for n, data in enumerate((encode(ORIGINAL, "JPEG", quality=80), OTHER)):
            engine.submit(Content(f"c{n}", ContentKind.IMAGE, data=data))
        assert tier.drain(timeout=60)
    finally:
        engine.close()
    assert len(reconciled) == 2, "both lookups came back from the worker"
    actions = {d.content_id: d.action for d in pushed}
    assert actions == {
        "c0": Action.BLOCK,
        "c1": Action.BLOCK if rows_after_export else Action.ALLOW,
    }
