"""The loop inside a worker process: wait for "go", read the job (JSON header, then bytes) from
its file, run the handler, answer with JSON. Imported by name in a fresh interpreter (spawn).

The job comes through a file rather than the pipe so that whoever hands it out never waits
for this process to read megabytes (see pool.py); the reply comes through the pipe when one
write can carry it whole, else through a file and an empty message that says so.
"""

from __future__ import annotations

import json
import os
import resource
import select
import struct
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ombuds.queue.base import load_handler

# multiprocessing prefixes 4 length bytes; a pipe write up to PIPE_BUF arrives all at once.
MAX_PIPE_REPLY = getattr(select, "PIPE_BUF", 512) - 4
_LENGTH = struct.Struct("<I")


def write_job(path: Path, header: Mapping[str, Any], data: bytes) -> None:
    """The job file: header length, JSON header, then the bytes (raises TypeError for a
    header JSON cannot carry, before anything is written)."""
    encoded = json.dumps(dict(header)).encode()
    with open(path, "wb") as f:
        f.write(_LENGTH.pack(len(encoded)) + encoded)
        f.write(data)


def read_job(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (size,) = _LENGTH.unpack_from(raw)
    end = _LENGTH.size + size
    header: dict[str, Any] = json.loads(raw[_LENGTH.size : end])
    return header, raw[end:]


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


def worker_main(
    conn: Connection,
    handler_spec: str,
    nice: int,
    memory_limit: int | None,
    job_path: str,
    reply_path: str,
) -> None:
    _lower_priority(nice, memory_limit)
    handler = load_handler(handler_spec)
    while True:
        try:
            conn.recv_bytes()
        except (EOFError, OSError):
            return  # the queue closed the pipe: time to go
        try:
            header, data = read_job(Path(job_path))
            reply = {"ok": True, "result": handler(header, data)}
        except MemoryError:
            reply = {"ok": False, "error": "MemoryError: over the worker's memory limit"}
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        encoded = json.dumps(reply).encode()
        if len(encoded) > MAX_PIPE_REPLY:
            Path(reply_path).write_bytes(encoded)
            encoded = b""
        conn.send_bytes(encoded)
