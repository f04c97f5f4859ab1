"""Group commit by a process of its own: the decision writer `ombuds serve` uses by default.

Recording a decision is mostly Python (row values, digests, the driver's parameter
binding). Done by a thread of the request process, it competes for that process's GIL
with the event loop, and every call that lets the GIL go (a Hyperscan scan, a SQLite step)
then waits to take it back: measured, a 15 µs scan took ~213 µs in the server. Here the
request process only turns each decision into its record form on the caller's thread
(`records.repos.decision_records`: plain lists, what the digest covers and the rows are
made of, so the child never rebuilds a Decision), and its writer thread hands each group
over a pipe as JSON (pydantic-core's encoder: a third of the json module's time, on the
process that is the bottleneck) and waits for the answer without the GIL. The child
decodes, digests and records with the same `record_units` as the in-process sink, so the
outcome per unit, the transactions and the ledger entries are the same.

If the child dies, the units it was writing fail with UnavailableError (they may or may
not be recorded: the caller answers 503 and the platform retries, which makes new
decisions) and the next group starts a new child.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pydantic_core import from_json, to_json

from ombuds import errors
from ombuds.domain import Decision
from ombuds.engine.sinks import GroupCommitBase, record_units
from ombuds.records.repos.decision_records import decision_record

log = logging.getLogger("ombuds.engine")
_START_TIMEOUT_S = 60.0
_READY = b"ready"


class ProcessCommitSink(GroupCommitBase[list[Any]]):
    """Same contract as `GroupCommitSink`; the store is the one at `database_url`."""

    def __init__(self, database_url: str, *, max_group: int = 5_000) -> None:
        self._url = database_url
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._start()  # now, so a store the child cannot open fails the caller's startup
        super().__init__(max_group=max_group)

    @property
    def pid(self) -> int | None:
        """The child's process id (None between a crash and the next group)."""
        return None if self._process is None else self._process.pid

    def _hold(self, decision: Decision) -> list[Any]:
        return decision_record(decision)

    def _record(self, units: list[list[list[Any]]]) -> list[Exception | None]:
        conn = self._conn if self._conn is not None else self._start()
        try:
            conn.send_bytes(to_json(units))
            reply = json.loads(conn.recv_bytes())
        except (EOFError, OSError) as exc:
            self._stop()
            log.error("the decision writer process stopped: %s", exc or type(exc).__name__)
            lost = errors.UnavailableError(
                "the decision writer process stopped while recording; retry"
            )
            return [lost] * len(units)
        return [None if outcome is None else _error_of(outcome) for outcome in reply]

    def close(self) -> None:
        super().close()  # every committed unit is written first
        conn, process = self._conn, self._process
        self._conn, self._process = None, None
        if conn is not None:
            with contextlib.suppress(OSError):  # a child that is gone already
                conn.send_bytes(b"")  # the child's signal to close its store and leave
            conn.close()
        if process is not None:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()

    def _start(self) -> Connection:
        # forkserver: a fork of a small single-threaded server process that has imported
        # this module once, so a new writer starts in milliseconds, not a second.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(
            target=writer_main, args=(child, self._url), name="ombuds-writer", daemon=True
        )
        process.start()
        child.close()
        if not parent.poll(_START_TIMEOUT_S):
            process.kill()
            raise errors.UnavailableError("the decision writer process did not start")
        try:
            hello = parent.recv_bytes()
        except EOFError:
            process.join()
            raise errors.UnavailableError("the decision writer process died at start") from None
        if hello != _READY:
            process.join()
            raise _error_of(json.loads(hello))
        self._process, self._conn = process, parent
        return parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        self._process, self._conn = None, None


def writer_main(conn: Connection, database_url: str) -> None:
    """The child: open the store, then record each group it is sent until told to stop."""
    from ombuds.records import Store  # here: the parent's import of this module stays light

    try:
        store = Store.open(database_url)
    except Exception as exc:
        conn.send_bytes(json.dumps(_outcome_of(exc)).encode())
        return
    conn.send_bytes(_READY)
    try:
        while True:
            try:
                frame = conn.recv_bytes()
            except EOFError:  # the parent went away
                return
            if not frame:
                return
            outcomes = record_units(store.record_records, from_json(frame))
            conn.send_bytes(json.dumps([_outcome_of(e) for e in outcomes]).encode())
    finally:
        store.close()


def _outcome_of(exc: Exception | None) -> list[str | None] | None:
    if exc is None:
        return None
    if isinstance(exc, errors.OmbudsError):
        return [type(exc).__name__, exc.message, exc.field]
    return [type(exc).__name__, str(exc), None]


def _error_of(outcome: list[str | None]) -> Exception:
    """The child's error as ours: its own class when it is one of Ombuds' errors."""
    name, message, field = outcome
    cls = getattr(errors, name or "", None)
    if isinstance(cls, type) and issubclass(cls, errors.OmbudsError):
        try:
            return cls(message or "", field=field)
        except TypeError:  # an error class with a constructor of its own
            pass
    return errors.UnavailableError(f"{name}: {message}", field=field)
