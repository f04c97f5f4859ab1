"""Group commit by a process of its own, driven from an event loop: the decision writer
`ombuds serve` uses by default.

Recording a decision is mostly Python (row values, digests, the driver's parameter
binding): done in the request process it would compete with the event loop for the GIL.
So the request process only turns each decision into its record form on the caller's
thread (`records.repos.decision_records`), and a child process (`writer_child`) records
groups of them.

The request process talks to the child from its event loop, not from a thread. A writer
thread, even one that is mostly blocked on the pipe, wants the GIL each time it wakes; and
then every call of the loop's that lets the GIL go (each Hyperscan scan, each read of
randomness) hands it over and must win it back. Measured in one process without HTTP: a
batch of 500 text items took 20-24 ms of CPU with a writer thread against 15-16 ms with no
writing at all.

On the loop, units committed in one turn of the loop go out as one group, up to 16
groups are in flight, and the next group is everything that arrived meanwhile (up to
`max_group` decisions, a unit never split). Callers on other threads (a large submission
decided in a worker thread, the deferred tier) hand their units to the loop. A sink made
without a loop runs one of its own in a thread.

If the child dies, the units it was writing fail with UnavailableError (they may or may
not be recorded: the caller answers 503 and the platform retries, which makes new
decisions) and the next group starts a new child.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import struct
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from queue import SimpleQueue
from typing import Any

from pydantic_core import to_json

from ombuds import errors
from ombuds.domain import Decision
from ombuds.engine import writer_child
from ombuds.engine.sinks import GroupCommit, Unit, settle, take_group
from ombuds.records.repos.decision_records import decision_record

log = logging.getLogger("ombuds.engine")
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0
# Groups sent before the first is answered. With one, the child sits idle from its answer
# until the loop, busy deciding a batch, reads it and sends the next. More cost no extra
# transactions: the child records every group waiting for it in one (`writer_child`).
_IN_FLIGHT = 2


@dataclass(slots=True)
class _Child:
    process: BaseProcess
    courier: _Courier
    replies: asyncio.BaseTransport


class _Courier:
    """A thread that writes frames to the child, so that a group larger than the pipe's
    buffer goes out whole while the loop is busy deciding. It holds the GIL only between
    writes, and the loop keeps to_json, replies and futures."""

    def __init__(self, frames: Connection) -> None:
        self._frames = frames
        self._queue: SimpleQueue[bytes | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ombuds-courier", daemon=True)
        self._thread.start()

    def send(self, payload: bytes) -> None:
        self._queue.put(payload)

    def stop(self) -> None:
        """Send what is queued, then close the pipe (the child reads EOF if it is alive)."""
        self._queue.put(None)

    def _run(self) -> None:
        try:
            while (payload := self._queue.get()) is not None:
                self._frames.send_bytes(payload)
        except OSError:  # the child is gone: the reply pipe's end tells the loop
            pass
        finally:
            self._frames.close()


class ProcessCommitSink(GroupCommit[list[Any]]):
    """Same contract as `GroupCommitSink`; the store is the one at `database_url`. Its I/O
    runs on `loop` (which must be running, and not on this thread), or on a loop of its own."""

    def __init__(
        self,
        database_url: str,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        max_group: int = 5_000,
    ) -> None:
        super().__init__()
        self._url = database_url
        self._max_group = max_group
        self._queue: deque[Unit[list[Any]]] = deque()
        self._child: _Child | None = None
        self._in_flight: deque[list[Unit[list[Any]]]] = deque()
        self._sending = self._starting = self._stopped = False
        self._drained: asyncio.Future[None] | None = None
        self._handed_over: list[asyncio.Future[None]] = []  # flushed on the loop, not awaited
        self._own_thread: threading.Thread | None = None
        self._loop = loop if loop is not None else self._own_loop()
        self._loop_thread = self._on_loop(threading.get_ident)
        if self._loop_thread == threading.get_ident():
            raise RuntimeError("a ProcessCommitSink must be made off its loop's thread")
        # Now, so a store the child cannot open fails the caller's startup.
        started = _spawn(self._url)
        try:
            self._on_loop(lambda: self._attach(*started))
        except BaseException:
            started[0].kill()
            raise

    @property
    def pid(self) -> int | None:
        """The child's process id (None between a crash and the next group)."""
        child = self._child
        return None if child is None else child.process.pid

    def _hold(self, decision: Decision) -> list[Any]:
        return decision_record(decision)

    def _submit(self, unit: Unit[list[Any]]) -> None:
        if threading.get_ident() == self._loop_thread:
            self._enqueue(unit)
        else:
            self._loop.call_soon_threadsafe(self._enqueue, unit)

    def commit_here(self) -> Awaitable[None]:
        if threading.get_ident() != self._loop_thread:
            return super().commit_here()
        waits, self._handed_over = self._handed_over, []
        unit = self._unit_here()
        if unit is not None:
            waits.append(unit)
        return waits[0] if len(waits) == 1 else _all(waits)

    def flush(self) -> None:
        if threading.get_ident() != self._loop_thread:
            super().flush()
            return
        # Waiting here would stop the very loop that writes. Only work run inline on the loop
        # flushes there (the deferred tier on the `sync` queue, inside a submission): its
        # unit is handed over now, and the submission's own `commit_here` waits for it too.
        unit = self._unit_here()
        if unit is not None:
            self._handed_over.append(unit)

    def _unit_here(self) -> asyncio.Future[None] | None:
        """What the loop's thread holds, handed over as a unit; None if nothing is held."""
        items = self._held.pop(self._loop_thread, [])
        if not items:
            return None
        if self._closing:
            raise RuntimeError("the decision writer is closed")
        # A future of the loop's own: no thread-safe future to chain, and no shield: a
        # waiter cancelled meanwhile only stops waiting, the unit is written all the same.
        done: asyncio.Future[None] = self._loop.create_future()
        self._enqueue(Unit(items, done))
        return done

    def close(self) -> None:
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("close() would block the writer's own loop")
        self._closing = True
        try:
            asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result()
        finally:
            if self._own_thread is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._own_thread.join()
                self._loop.close()

    # -- on the loop -----------------------------------------------------------------------

    def _enqueue(self, pending: Unit[list[Any]]) -> None:
        if self._stopped:  # handed over by a thread just as the sink closed
            settle(pending.done, RuntimeError("the decision writer is closed"))
            return
        self._queue.append(pending)
        if not self._sending:
            self._sending = True
            # Next turn of the loop: every unit committed in this one joins the group.
            self._loop.call_soon(self._send_next)

    def _send_next(self) -> None:
        self._sending = False
        if self._starting or not self._queue or len(self._in_flight) >= _IN_FLIGHT:
            self._check_drained()
            return
        if self._child is None:
            self._starting = True
            self._loop.create_task(self._restart())
            return
        group = take_group(self._queue, self._max_group)
        self._in_flight.append(group)
        self._child.courier.send(to_json([p.items for p in group]))

    def _on_reply(self, payload: bytes) -> None:
        group = self._in_flight.popleft()
        outcomes = json.loads(payload)
        for pending, outcome in zip(group, outcomes, strict=True):
            settle(pending.done, None if outcome is None else writer_child.error_of(outcome))
        self._send_next()

    def _on_lost(self, child: _Child) -> None:
        if self._child is not child:
            return
        self._child = None
        if self._in_flight:
            log.error("the decision writer process stopped while recording")
            lost = errors.UnavailableError(
                "the decision writer process stopped while recording; retry"
            )
            while self._in_flight:
                for pending in self._in_flight.popleft():
                    settle(pending.done, lost)
        elif not self._closing:
            log.warning("the decision writer process stopped; the next group starts another")
        child.courier.stop()
        self._loop.run_in_executor(None, _reap, child.process, 0.0)
        self._send_next()

    async def _restart(self) -> None:
        try:
            started = await self._loop.run_in_executor(None, _spawn, self._url)
            await self._attach(*started)
        except Exception as exc:  # no child: what waits fails now rather than hang
            while self._queue:
                settle(self._queue.popleft().done, exc)
        finally:
            self._starting = False
        self._send_next()

    async def _attach(self, process: BaseProcess, frames: Connection, replies: int) -> None:
        child: _Child | None = None

        def protocol() -> _Replies:
            return _Replies(self._on_reply, lambda: self._on_lost(child) if child else None)

        pipe = os.fdopen(replies, "rb", buffering=0)
        transport, _ = await self._loop.connect_read_pipe(protocol, pipe)
        child = _Child(process, _Courier(frames), transport)
        self._child = child

    def _check_drained(self) -> None:
        idle = not self._queue and not self._in_flight and not self._starting
        if idle and self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def _shut_down(self) -> None:
        self._drained = self._loop.create_future()
        self._check_drained()
        await self._drained
        self._stopped = True
        child, self._child = self._child, None
        if child is not None:
            child.courier.send(b"")  # the child's signal to close its store
            child.courier.stop()
            await self._loop.run_in_executor(None, _reap, child.process, _STOP_TIMEOUT_S)

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        self._own_thread = threading.Thread(
            target=loop.run_forever, name="ombuds-decisions", daemon=True
        )
        self._own_thread.start()
        return loop

    def _on_loop(self, call: Callable[[], Any]) -> Any:
        """`call()` (a coroutine function or a plain one) run on the loop; its result."""

        async def run() -> Any:
            result = call()
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()


class _Replies(asyncio.Protocol):
    """The child's answers, one frame per group, in order."""

    def __init__(self, on_frame: Callable[[bytes], None], on_lost: Callable[[], None]) -> None:
        self._buffer = bytearray()
        self._on_frame = on_frame
        self._on_lost = on_lost

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= 4:
            (size,) = struct.unpack_from("!i", buffer)
            if len(buffer) < 4 + size:
                return
            frame = bytes(buffer[4 : 4 + size])
            del buffer[: 4 + size]
            self._on_frame(frame)

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_lost()


async def _all(waits: list[asyncio.Future[None]]) -> None:
    for done in waits:
        await done


def _spawn(database_url: str) -> tuple[BaseProcess, Connection, int]:
    """A new child with its store open (its error if it could not open it), our end of
    the pipe it reads groups from, and the descriptor of the pipe it answers on."""
    # forkserver: a fork of a small single-threaded server process that has imported the
    # child's module once, so a new writer starts in milliseconds, not a second.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([writer_child.__name__])
    frames_in, frames = ctx.Pipe(duplex=False)
    replies, replies_out = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=writer_child.writer_main,
        args=(frames_in, replies_out, database_url),
        name="ombuds-writer",
        daemon=True,
    )
    process.start()
    frames_in.close()
    replies_out.close()
    try:
        if not replies.poll(_START_TIMEOUT_S):
            raise errors.UnavailableError("the decision writer process did not start")
        try:
            hello = replies.recv_bytes()
        except EOFError:
            raise errors.UnavailableError("the decision writer process died at start") from None
        if hello != writer_child.READY:
            raise writer_child.error_of(json.loads(hello))
    except BaseException:
        frames.close()
        replies.close()
        _reap(process, 0.0)
        raise
    fd = os.dup(replies.fileno())
    replies.close()
    return process, frames, fd


def _reap(process: BaseProcess, grace_s: float) -> None:
    """Wait up to `grace_s` for the child to leave, then kill it."""
    process.join(timeout=grace_s)
    if process.is_alive():
        with contextlib.suppress(OSError):
            process.kill()
        process.join()
