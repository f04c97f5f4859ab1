"""The queue interface. A job is a JSON header plus raw bytes; a handler, named by
`module:function`, turns them into a JSON-ready dict. Jobs cross process boundaries as JSON
and bytes only: nothing is pickled, so a queue can move to a broker without changing shape.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ombuds.errors import ConfigError

Handler = Callable[[Mapping[str, Any], bytes], dict[str, Any]]


class JobOutcome(StrEnum):
    DONE = "done"  # the handler returned a result
    FAILED = "failed"  # the handler raised: the job is bad, not the worker
    TIMED_OUT = "timed_out"  # the worker took longer than the job's budget and was replaced
    CRASHED = "crashed"  # the worker died on every attempt (e.g. a decoder segfault)


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    header: Mapping[str, Any]
    data: bytes = b""
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class Done:
    job_id: str
    outcome: JobOutcome
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    attempts: int = 1
    elapsed_ms: float = 0.0


Callback = Callable[[Done], None]


class WorkQueue(Protocol):
    """Runs jobs with a handler and reports each exactly once through `on_done`."""

    # True when the handler runs in another process: work shipped with a job (such as a
    # perceptual lookup against an index snapshot) then leaves the engine's process.
    out_of_process: bool

    def submit(self, job: Job) -> None: ...

    def maybe_pump(self) -> None:
        """Called by the engine between decisions: a queue that does its bookkeeping in the
        caller's thread (see pool.py) does a little of it here, without ever blocking."""
        ...

    def depth(self) -> int:
        """Jobs accepted and not yet reported."""
        ...

    def close(self, *, wait: bool = True) -> None: ...


def load_handler(spec: str) -> Handler:
    """`package.module:function` -> the function (so workers can import it by name)."""
    module_name, sep, name = spec.partition(":")
    if not sep:
        raise ConfigError(f"handler must be 'module:function', got {spec!r}", field="handler")
    try:
        handler = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load handler {spec!r}: {exc}", field="handler") from exc
    if not callable(handler):
        raise ConfigError(f"handler {spec!r} is not callable", field="handler")
    return handler  # type: ignore[no-any-return]


def queue_backend(name: str, handler: str, on_done: Callback, **options: Any) -> WorkQueue:
    """The registry of queue backends: `process` (the default) and `sync` (tests, scripts)."""
    if name == "sync":
        from ombuds.queue.synchronous import SynchronousQueue

        return SynchronousQueue(handler, on_done)
    if name == "process":
        from ombuds.queue.pool import ProcessPoolQueue

        return ProcessPoolQueue(handler, on_done, **options)
    raise ConfigError(f"unknown queue backend {name!r} (known: process, sync)", field="queue")
