"""The default deferred queue: worker processes on this machine.

Each worker is its own process, started with `spawn` and lowered in CPU priority, so
decoding, hashing and OCR never hold the inline tier's GIL or outrank it for a core. A
supervisor thread per worker hands it one job at a time and watches it:

- a job that runs past its budget gets its worker killed and replaced, and is reported
  TIMED_OUT (a hostile file must not stall the queue);
- a worker that dies mid-job (a decoder crash, the memory limit) is replaced and the job goes
  back on the queue to be picked up again, up to `max_attempts`, then it is reported CRASHED;
- a handler that raises reports FAILED and the worker goes on with the next job.

Every accepted job is reported exactly once. Jobs live in this process's memory: a broker
backend keeps them across restarts of the whole process.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import queue
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ombuds.queue.base import Callback, Done, Job, JobOutcome
from ombuds.queue.worker import worker_main

log = logging.getLogger(__name__)
GiB = 1024**3


class _Slot:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: ProcessPoolQueue, number: int) -> None:
        self._pool = pool
        self._number = number
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.thread = threading.Thread(target=self._run, name=f"ombuds-worker-{number}")
        self.thread.daemon = True

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        pool = self._pool
        args = (child, pool.handler, pool.nice, pool.memory_limit)
        self._process = ctx.Process(target=worker_main, args=args, daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        return parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        self._process, self._conn = None, None

    def _run(self) -> None:
        while True:
            job = self._pool.jobs.get()
            if job is None:
                break
            done = self._attempt(job)
            if done is not None:
                self._pool.report(done)
        self._stop()

    def _attempt(self, job: Job) -> Done | None:
        started = time.perf_counter()
        budget = float(job.header.get("timeout_s", self._pool.timeout_s))
        try:
            conn = self._start()
            conn.send_bytes(json.dumps(dict(job.header)).encode())
            conn.send_bytes(job.data)
            if not conn.poll(budget):
                self._stop()
                return self._done(job, JobOutcome.TIMED_OUT, started, f"over {budget:g} s")
            reply = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            self._stop()
            if job.attempt + 1 < self._pool.max_attempts:
                log.warning("worker %d died on job %s; retrying", self._number, job.job_id)
                self._pool.jobs.put(Job(job.job_id, job.header, job.data, job.attempt + 1))
                return None
            return self._done(job, JobOutcome.CRASHED, started, "the worker died on every attempt")
        if reply.get("ok"):
            return self._done(job, JobOutcome.DONE, started, "", reply.get("result", {}))
        return self._done(job, JobOutcome.FAILED, started, str(reply.get("error", "")))

    @staticmethod
    def _done(
        job: Job,
        outcome: JobOutcome,
        started: float,
        error: str,
        result: dict[str, object] | None = None,
    ) -> Done:
        elapsed = (time.perf_counter() - started) * 1000
        return Done(job.job_id, outcome, dict(result or {}), error, job.attempt + 1, elapsed)


class ProcessPoolQueue:
    def __init__(
        self,
        handler: str,
        on_done: Callback,
        *,
        workers: int = 1,
        timeout_s: float = 30.0,
        max_attempts: int = 2,
        nice: int = 10,
        memory_limit: int | None = 8 * GiB,
    ) -> None:
        self.handler = handler
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.nice = nice
        self.memory_limit = memory_limit
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self._on_done = on_done
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._closed = False
        self._slots = [_Slot(self, n) for n in range(max(1, workers))]
        for slot in self._slots:
            slot.thread.start()

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the queue is closed")
            self._pending += 1
        self.jobs.put(job)

    def depth(self) -> int:
        with self._lock:
            return self._pending

    def report(self, done: Done) -> None:
        try:
            self._on_done(done)
        except Exception:  # a failing callback must not kill the worker's supervisor
            log.exception("deferred callback failed for job %s", done.job_id)
        finally:
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every accepted job has been reported; False if `timeout` ran out."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, *, wait: bool = True) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if wait:
            self.join()
        for _ in self._slots:
            self.jobs.put(None)
        for slot in self._slots:
            slot.thread.join(timeout=30 if wait else 1)
