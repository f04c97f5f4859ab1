"""The group-commit sinks against real databases: concurrent callers share transactions,
every caller learns when its own decisions are durable, and a unit the database refuses
fails alone. One kit for both writers: a thread of this process, and a process of its own."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest

from ombuds.domain import Action, Decision, Reason, Tier
from ombuds.engine.sinks import GroupCommitBase, GroupCommitSink
from ombuds.engine.writer_process import ProcessCommitSink
from ombuds.errors import NotFoundError
from ombuds.records import Store

from ..db_faults import POISON, decision_transactions, poisoned, write_locked

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def decision(did: str, content_id: str = "") -> Decision:
    return Decision(
        decision_id=did,
        content_id=content_id or f"c-{did}",
        author_id="u1",
        conversation_id="room",
        content_kind="text",
        action=Action.ALLOW,
        reason=Reason.NO_MATCH,
        tier=Tier.INLINE,
        created_at=T0,
        elapsed_us=3.0,
        policy="eu",
    )


Sink = GroupCommitBase[Any]
MakeSink = Callable[[Store], Sink]


@pytest.fixture(params=["thread", "process", "process on a loop"])
def make_sink(request: pytest.FixtureRequest) -> Iterator[MakeSink]:
    """The thread writer; the process writer on a loop of its own; and the process writer
    driven from a running event loop, as `ombuds serve` drives it."""
    loops: list[asyncio.AbstractEventLoop] = []

    def make(store: Store) -> Sink:
        url = store.engine.url.render_as_string(hide_password=False)
        if request.param == "thread":
            return GroupCommitSink(store)
        if request.param == "process":
            return ProcessCommitSink(url)
        loops.append(running_loop())
        return ProcessCommitSink(url, loop=loops[-1])

    yield make
    for loop in loops:
        stop_loop(loop)


def running_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="test-loop", daemon=True).start()
    return loop


def stop_loop(loop: asyncio.AbstractEventLoop) -> None:
    loop.call_soon_threadsafe(loop.stop)
    while loop.is_running():
        time.sleep(0.01)
    loop.close()


def commit_from_threads(sink: Sink, units: list[list[Decision]]) -> list[Future[None]]:
    """Each unit accepted and committed on a thread of its own, as concurrent requests do."""
    done: list[Future[None] | None] = [None] * len(units)

    def run(i: int) -> None:
        for d in units[i]:
            sink.accept(d)
        done[i] = sink.commit()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(units))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(f is not None for f in done)
    return [f for f in done if f is not None]


def stored(store: Store, did: str) -> bool:
    try:
        store.get_decision(did)
    except NotFoundError:
        return False
    return True


def test_concurrent_units_share_transactions_and_are_all_durable(
    store: Store, make_sink: MakeSink
) -> None:
    sink = make_sink(store)
    units = [[decision(f"d{i}-{j}") for j in range(3)] for i in range(20)]
    try:
        with write_locked(store):
            futures = commit_from_threads(sink, units)
            assert not any(f.done() for f in futures)  # nothing is durable yet
        for f in futures:
            f.result(timeout=30)
    finally:
        sink.close()
    # The writer took at most two groups before the lock (the process writer keeps two in
    # flight) and one after it: 20 units in 3 transactions at most.
    assert 1 <= decision_transactions(store) <= 3
    assert store.count_decisions() == 60
    assert all(stored(store, d.decision_id) for unit in units for d in unit)


def test_a_unit_the_database_refuses_fails_alone(store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(store)
    units = [[decision(f"ok{i}")] for i in range(5)]
    units.insert(2, [decision("bad-1"), decision("bad-2", content_id=POISON)])
    try:
        with poisoned(store):
            with write_locked(store):
                futures = commit_from_threads(sink, units)
            outcomes = [f.exception(timeout=30) for f in futures]
    finally:
        sink.close()
    assert outcomes[2] is not None and "poisoned" in str(outcomes[2])
    assert [o for i, o in enumerate(outcomes) if i != 2] == [None] * 5
    # Nothing of the refused unit is stored; every neighbour is.
    assert not stored(store, "bad-1")
    assert not stored(store, "bad-2")
    assert all(stored(store, f"ok{i}") for i in range(5))
    assert store.count_decisions() == 5


def test_flush_waits_for_the_callers_own_decisions(store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(store)
    try:
        sink.accept(decision("a"))
        sink.accept(decision("b"))
        sink.flush()
        assert stored(store, "a") and stored(store, "b")
        sink.flush()  # nothing held: returns at once
    finally:
        sink.close()


def test_discard_drops_what_the_caller_holds(store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(store)
    try:
        sink.accept(decision("dropped"))
        sink.discard()
        sink.accept(decision("kept"))
        sink.flush()
    finally:
        sink.close()
    assert not stored(store, "dropped")
    assert stored(store, "kept")


def test_close_writes_what_was_committed_then_refuses(store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(store)
    with write_locked(store):
        futures = commit_from_threads(sink, [[decision(f"late{i}")] for i in range(4)])
        closer = threading.Thread(target=sink.close)
        closer.start()
    closer.join(timeout=30)
    assert not closer.is_alive()
    assert all(f.result(timeout=0) is None for f in futures)
    assert store.count_decisions() == 4
    sink.accept(decision("after"))
    with pytest.raises(RuntimeError, match="closed"):
        sink.commit()


def test_a_caller_that_gives_up_does_not_stop_the_writer(store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(store)
    try:
        with write_locked(store):
            (abandoned,) = commit_from_threads(sink, [[decision("abandoned")]])
            abandoned.cancel()  # a client that went away; the writer may have the unit already
        sink.accept(decision("next"))
        sink.flush()
    finally:
        sink.close()
    # Decided is decided: the abandoned caller's decision is stored all the same.
    assert stored(store, "abandoned")
    assert stored(store, "next")


def test_callers_on_the_loop_share_groups_and_wait_without_threads(store: Store) -> None:
    """As `ombuds serve` commits: coroutines on the writer's loop, each awaiting its own
    unit. Units committed in one turn of the loop go out as one group."""
    loop = running_loop()
    sink = ProcessCommitSink(store.engine.url.render_as_string(hide_password=False), loop=loop)

    async def submit(i: int) -> None:
        sink.accept(decision(f"on-loop-{i}"))
        await sink.commit_here()

    async def all_at_once() -> None:
        await asyncio.gather(*(submit(i) for i in range(30)))

    try:
        asyncio.run_coroutine_threadsafe(all_at_once(), loop).result(timeout=30)
        assert decision_transactions(store) == 1
        # On its own loop, flush() cannot wait: it hands the unit over, in order.
        asyncio.run_coroutine_threadsafe(flush_then_commit(sink, store), loop).result(timeout=30)
    finally:
        sink.close()
        stop_loop(loop)
    assert store.count_decisions() == 32


async def flush_then_commit(sink: Sink, store: Store) -> None:
    sink.accept(decision("flushed"))
    sink.flush()
    assert not stored(store, "flushed")  # handed over, not waited for
    sink.accept(decision("committed"))
    await sink.commit_here()
    assert stored(store, "flushed") and stored(store, "committed")
