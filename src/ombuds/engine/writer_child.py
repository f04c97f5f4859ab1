"""The decision writer process: started by `writer_process.ProcessCommitSink`, it opens the
store, then records each group of units it is sent until told to stop.

Groups arrive on one pipe and answers leave on another. Frames are multiprocessing's: a
4-byte big-endian length, then the bytes (an empty frame says stop). A group arrives as
JSON, a list of units, each a list of decision records (`records.repos.decision_records`);
the child decodes, digests and records them with the same `record_units` as the in-process
sink, so the outcome per unit, the transactions and the ledger entries are the same, and
answers one outcome per unit: null when durable, else `[error class, message, field]`.
"""

from __future__ import annotations

import json
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from pydantic_core import from_json

from ombuds import errors
from ombuds.engine.sinks import record_units

if TYPE_CHECKING:
    from ombuds.records import Store

READY = b"ready"
# Decisions recorded in one transaction at most: more would only make every caller wait
# longer (a batch of 500 already shares its fixed cost well).
MAX_MERGED = 500
_STOP: list[Any] = []  # stands for the empty frame, by identity


def writer_main(frames: Connection, replies: Connection, database_url: str) -> None:
    """The child: open the store, then record each group it is sent until told to stop."""
    from ombuds.records import Store as Opened  # here: the forkserver's preload stays light

    try:
        store = Opened.open(database_url)
    except Exception as exc:
        replies.send_bytes(json.dumps(outcome_of(exc)).encode())
        return
    replies.send_bytes(READY)
    try:
        while (groups := _waiting_groups(frames)) is not None:
            _record_groups(store, groups, replies)
            if groups and groups[-1] is _STOP:
                return
    finally:
        store.close()


def _waiting_groups(frames: Connection) -> list[list[Any]] | None:
    """The next group, and every group waiting behind it (up to `MAX_MERGED` decisions):
    they are recorded in one transaction. None once told to stop or left alone."""
    groups: list[list[Any]] = []
    size = 0
    while not groups or (size < MAX_MERGED and frames.poll()):
        try:
            frame = frames.recv_bytes()
        except EOFError:  # the parent went away
            frame = b""
        if not frame:
            return [*groups, _STOP] if groups else None
        group = from_json(frame)
        groups.append(group)
        size += sum(len(unit) for unit in group)
    return groups


def _record_groups(store: Store, groups: list[list[Any]], replies: Connection) -> None:
    """Record every unit of `groups` at once; answer each group with its units' outcomes."""
    groups = [g for g in groups if g is not _STOP]
    outcomes = record_units(store.record_records, [unit for group in groups for unit in group])
    start = 0
    for group in groups:
        answer = [outcome_of(e) for e in outcomes[start : start + len(group)]]
        replies.send_bytes(json.dumps(answer).encode())
        start += len(group)


def outcome_of(exc: Exception | None) -> list[str | None] | None:
    if exc is None:
        return None
    if isinstance(exc, errors.OmbudsError):
        return [type(exc).__name__, exc.message, exc.field]
    return [type(exc).__name__, str(exc), None]


def error_of(outcome: list[str | None]) -> Exception:
    """The child's error as ours: its own class when it is one of Ombuds' errors."""
    name, message, field = outcome
    cls = getattr(errors, name or "", None)
    if isinstance(cls, type) and issubclass(cls, errors.OmbudsError):
        try:
            return cls(message or "", field=field)
        except TypeError:  # an error class with a constructor of its own
            pass
    return errors.UnavailableError(f"{name}: {message}", field=field)
