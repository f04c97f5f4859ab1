"""The loop inside a worker process: read a job (JSON header, then bytes), run the handler,
answer with JSON. Imported by name in a fresh interpreter (spawn)."""

from __future__ import annotations

import json
import os
import resource
from multiprocessing.connection import Connection

from ombuds.queue.base import load_handler


def _lower_priority(nice: int, memory_limit: int | None) -> None:
    if nice:
        os.nice(nice)
        if hasattr(os, "sched_setscheduler"):
            # SCHED_IDLE: run only when no normal task wants the core. Niceness alone still
            # took half the inline tier's throughput with every core running a worker.
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if memory_limit:
        # A decompression bomb then fails with MemoryError in this worker instead of
        # pushing the whole machine into swap or the OOM killer.
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))


def worker_main(conn: Connection, handler_spec: str, nice: int, memory_limit: int | None) -> None:
    _lower_priority(nice, memory_limit)
    handler = load_handler(handler_spec)
    while True:
        try:
            header = json.loads(conn.recv_bytes())
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the supervisor closed the pipe: time to go
        try:
            reply = {"ok": True, "result": handler(header, data)}
        except MemoryError:
            reply = {"ok": False, "error": "MemoryError: over the worker's memory limit"}
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        conn.send_bytes(json.dumps(reply).encode())
