"""Where decisions go once made. The engine only calls `accept`; batching is the sink's business."""

from __future__ import annotations

import asyncio
import logging
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ombuds.domain import Decision

if TYPE_CHECKING:
    from ombuds.records import Store

log = logging.getLogger("ombuds.engine")
T = TypeVar("T")


class DecisionSink(Protocol):
    def accept(self, decision: Decision) -> None: ...

    def flush(self) -> None: ...


class MemorySink:
    """Keeps decisions in a list: for tests and for callers that store elsewhere."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def accept(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def flush(self) -> None:
        return None


class StoreSink:
    """Writes decisions to the store in batches: one transaction per batch keeps SQLite fast.

    Inline decisions arrive on the caller's thread and deferred ones on the queue's, so the
    batch is guarded: two flushes racing could otherwise drop a decision or write one twice.
    """

    def __init__(self, store: Store, batch_size: int = 500) -> None:
        self._store = store
        self._batch_size = batch_size
        self._pending: list[Decision] = []
        self._lock = threading.Lock()

    def accept(self, decision: Decision) -> None:
        with self._lock:
            self._pending.append(decision)
            full = len(self._pending) >= self._batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if pending:
            self._store.record_decisions(pending)


@dataclass(slots=True)
class Unit(Generic[T]):
    """One caller's decisions (as the sink holds them): written together, answered together."""

    items: list[T]
    # A thread's caller waits on a thread-safe future; a caller on the writer's own event
    # loop (`writer_process`) on one of the loop's.
    done: Future[None] | asyncio.Future[None] = field(default_factory=Future)


def record_units(
    write: Callable[[list[T]], None], units: Sequence[Sequence[T]]
) -> list[Exception | None]:
    """Have `write` record every unit in one transaction; if that fails, each unit in one
    of its own, so only a unit that cannot be written fails. One outcome per unit (None:
    recorded)."""
    try:
        write([d for unit in units for d in unit])
    except Exception as exc:
        if len(units) == 1:
            log.error("%d decisions not recorded: %s", len(units[0]), exc)
            return [exc]
        return [record_units(write, [unit])[0] for unit in units]
    return [None] * len(units)


class GroupCommit(ABC, Generic[T]):
    """Decisions from many callers at once, written in shared transactions.

    A commit costs the same for one decision as for hundreds (SQLite syncs its log per
    commit), so concurrent callers share one. `accept` holds a decision for the calling
    thread (as `_hold` makes it); `commit()` hands everything the calling thread holds to
    the writer as one unit and returns a Future that resolves once the unit is durable, or
    fails with the store's exception; `flush()` waits for it. A unit is never split, and a
    unit that cannot be written fails alone: nothing of it is stored, and its neighbours
    commit as if it had not been there. How units reach the store is the subclass's.
    """

    def __init__(self) -> None:
        self._held: dict[int, list[T]] = {}
        self._closing = False

    @abstractmethod
    def _hold(self, decision: Decision) -> T:
        """A decision as this sink holds it until written."""

    @abstractmethod
    def _submit(self, unit: Unit[T]) -> None:
        """Queue a unit for writing (never called once closing)."""

    @abstractmethod
    def close(self) -> None:
        """Write every unit committed so far, then stop the writer."""

    def accept(self, decision: Decision) -> None:
        # Each thread touches only its own list, and dict.setdefault/pop are atomic.
        self._held.setdefault(threading.get_ident(), []).append(self._hold(decision))

    def discard(self) -> None:
        """Drop what the calling thread holds: a submission that failed halfway."""
        self._held.pop(threading.get_ident(), None)

    def commit(self) -> Future[None]:
        """The calling thread's held decisions as one unit; resolved once durable."""
        done: Future[None] = Future()
        unit = Unit(self._held.pop(threading.get_ident(), []), done)
        if not unit.items:
            done.set_result(None)
            return done
        if self._closing:
            raise RuntimeError("the decision writer is closed")
        self._submit(unit)
        return done

    def commit_here(self) -> Awaitable[None]:
        """`commit()` for a caller on the running event loop: something to await until the
        decisions are durable. Cancelling the waiter never stops them being written."""
        return asyncio.shield(asyncio.wrap_future(self.commit()))

    def flush(self) -> None:
        self.commit().result()


class GroupCommitBase(GroupCommit[T]):
    """Group commit by one writer thread: it takes every unit waiting when it wakes (up to
    `max_group` decisions) and has `_record` write them."""

    def __init__(self, *, max_group: int = 5_000) -> None:
        super().__init__()
        self._max_group = max_group
        self._queue: deque[Unit[T]] = deque()
        self._cond = threading.Condition()
        self._writer = threading.Thread(target=self._run, name="ombuds-decisions", daemon=True)
        self._writer.start()

    @abstractmethod
    def _record(self, units: list[list[T]]) -> list[Exception | None]:
        """Write the units; one outcome per unit (None: durable)."""

    def _submit(self, unit: Unit[T]) -> None:
        with self._cond:
            if self._closing:  # closed since `commit` looked
                raise RuntimeError("the decision writer is closed")
            self._queue.append(unit)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._writer.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                group = take_group(self._queue, self._max_group)
            self._write(group)

    def _write(self, group: list[Unit[T]]) -> None:
        try:
            outcomes = self._record([unit.items for unit in group])
        except Exception as exc:  # the writer itself failed: no unit is known to be stored
            outcomes = [exc] * len(group)
        for unit, outcome in zip(group, outcomes, strict=True):
            settle(unit.done, outcome)


def take_group(queue: deque[Unit[T]], max_group: int) -> list[Unit[T]]:
    """The units waiting, first to last, up to `max_group` decisions (never splitting one)."""
    group = [queue.popleft()]
    size = len(group[0].items)
    while queue and size + len(queue[0].items) <= max_group:
        unit = queue.popleft()
        group.append(unit)
        size += len(unit.items)
    for unit in group:
        if isinstance(unit.done, Future):
            # From here on a thread's caller cannot cancel (it gave up): its decisions are
            # written all the same, and setting the result cannot fail.
            unit.done.set_running_or_notify_cancel()
    return group


class GroupCommitSink(GroupCommitBase[Decision]):
    """Group commit by a thread of this process, straight into `store`."""

    def __init__(self, store: Store, *, max_group: int = 5_000) -> None:
        self._store = store
        super().__init__(max_group=max_group)

    def _hold(self, decision: Decision) -> Decision:
        return decision

    def _record(self, units: list[list[Decision]]) -> list[Exception | None]:
        return record_units(self._store.record_decisions, units)


def settle(done: Future[None] | asyncio.Future[None], exc: Exception | None) -> None:
    if done.cancelled():  # the caller gave up before the writer took its unit
        return
    if exc is None:
        done.set_result(None)
    else:
        done.set_exception(exc)
