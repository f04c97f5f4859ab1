"""Writers at once: appends queue on the head, so the chain never forks or skips a number;
two purges at once share the work and purge nothing twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.records import Store
from ombuds.records.ledger import Kind, LedgerEntry, LedgerQuery

from .conftest import T0, MakeDecision

THREADS = 6
ROUNDS = 10


def run_together(work: Callable[[int], None], count: int = THREADS) -> None:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_writers_keep_one_unbroken_chain(
    store: Store, make_decision: MakeDecision
) -> None:
    store.create_bank(Bank("B", "spam"), actor="system:test")

    def work(i: int) -> None:
        for r in range(ROUNDS):
            n = i * ROUNDS + r
            store.record_decisions([make_decision(n * 3 + k) for k in range(3)])
            store.add_entries(
                [BankEntry("B", Signal("md5", f"{n:032x}"), "spam")], actor=f"cli:user{i}"
            )
            store.ledger_append("test", actor=f"system:thread{i}", payload={"r": r})

    run_together(work)
    entries = store.ledger_entries(None)
    total = 1 + THREADS * ROUNDS * 3
    seqs = [e.seq for page in _pages(store) for e in page]
    assert seqs == list(range(1, total + 1))
    assert len(entries) == 100  # the default page
    result = store.verify_ledger()
    assert (result.ok, result.head_seq) == (True, total), result.problem
    assert result.decisions_checked == THREADS * ROUNDS * 3


def _pages(store: Store) -> list[list[LedgerEntry]]:
    pages: list[list[LedgerEntry]] = []
    after = 0
    while page := store.ledger_entries(LedgerQuery(after=after, limit=50)):
        pages.append(list(page))
        after = page[-1].seq
    return pages


def test_concurrent_purges_purge_each_decision_once(
    store: Store, make_decision: MakeDecision
) -> None:
    store.record_decisions([make_decision(n, at=T0 + timedelta(minutes=n)) for n in range(60)])
    now = T0 + timedelta(days=400)
    purged: list[int] = []

    def work(_i: int) -> None:
        purged.append(store.purge(timedelta(days=180), actor="system:purge", now=now, batch_size=4))

    run_together(work, 3)
    assert sum(purged) == 60
    counts = [e.payload["count"] for e in store.ledger_entries(None) if e.kind == Kind.PURGE]
    assert sum(counts) == 60
    assert store.purge_due(timedelta(days=180), now=now) == 0
    assert store.verify_ledger().ok
