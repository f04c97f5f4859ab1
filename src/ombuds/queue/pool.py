"""The default deferred queue: worker processes on this machine, fed without a thread per worker.

Each worker is its own process, started with `spawn` and lowered in CPU priority, so decoding,
hashing and OCR never hold the inline tier's GIL or outrank it for a core. The queue promises:

- a job that runs past its budget gets its worker killed and replaced, and is reported
  TIMED_OUT (a hostile file must not stall the queue);
- a worker that dies mid-job (a decoder crash, the memory limit) is replaced and the job goes
  back on the queue, up to `max_attempts`, then it is reported CRASHED;
- a handler that raises reports FAILED and the worker goes on with the next job;
- every accepted job is reported exactly once, by one thread, so `on_done` never runs twice
  at the same time. Jobs live in this process's memory: a broker backend keeps them across
  restarts of the whole process.

Why no supervisor thread per worker: the inline tier drops the GIL around every Hyperscan scan,
so any other thread here that wants it (to read a reply, hand out a job) usually wins it, and
the inline thread then waits to be woken again. With the deferred tier saturated that cost the
inline tier 17-28 % of its throughput (docs/benchmarks.md, "Deferred isolation"). So the
bookkeeping is done by whoever is running already:

- `pump()`, called by the engine between decisions (`maybe_pump`, at most every
  `min_interval`) and by `submit`, does only what cannot block: poll each busy worker, take a
  finished reply (small, so whole once readable), give that worker its next job. It never
  starts or kills a process and never runs `on_done`;
- one watchdog thread does the rest: it reports finished jobs in batches (one wake-up per
  `report_every` while the inline tier is busy), kills workers past their budget, replaces
  dead ones, and pumps itself once nobody else has for `idle_after`: the inline tier is idle
  then, and taking the GIL costs it nothing.

A job's header and bytes reach its worker through a file in a private directory (on /dev/shm
when there is one), one file per worker, rewritten per job: a pipe write of megabytes blocks
until the worker reads, and the writer may be the inline thread. The pipe carries only a
one-byte "go" and the reply; a reply too long to arrive whole comes back through a file too.
"""

from __future__ import annotations

import collections
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from ombuds.queue.base import Callback, Done, Job, JobOutcome
from ombuds.queue.worker import worker_main, write_job

log = logging.getLogger(__name__)
GiB = 1024**3
_DIED = "died"
_IDLE_SLEEP = 1.0  # the watchdog's sleep with no job anywhere (s)
_LATE = "late"


def _scratch_root() -> str | None:
    # tmpfs: job files never wait for a disk. None lets tempfile pick (TMPDIR, /tmp). Only
    # the parent: mkdtemp makes a private (0700) directory in it, so others cannot interfere.
    shm = "/dev/shm"  # noqa: S108
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class _Worker:
    """One worker process, the job it runs and the files it reads and answers through."""

    def __init__(self, number: int, scratch: Path) -> None:
        self.number = number
        self.job_path = scratch / f"w{number}.job"
        self.reply_path = scratch / f"w{number}.reply"
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.job: Job | None = None
        self.started = 0.0
        self.budget = 0.0
        self.trouble = ""  # set by a pump that must not deal with it: the watchdog does

    def ready(self) -> bool:
        return self.conn is not None and self.process is not None and self.process.is_alive()


@dataclass(slots=True)
class _Finished:
    """A job that left its worker, waiting for the watchdog to report it."""

    job: Job
    outcome: JobOutcome | None  # None: DONE or FAILED, as the worker's reply says
    reply: bytes
    error: str
    elapsed_ms: float

    def done(self) -> Done:
        outcome, error = self.outcome, self.error
        result: dict[str, Any] = {}
        if outcome is None:
            try:
                answer: dict[str, Any] = json.loads(self.reply)
            except ValueError as exc:  # still reported, once: as the job's failure
                answer = {"ok": False, "error": f"unreadable reply from the worker: {exc}"}
            outcome = JobOutcome.DONE if answer.get("ok") else JobOutcome.FAILED
            result, error = answer.get("result") or {}, str(answer.get("error", ""))
        job = self.job
        return Done(job.job_id, outcome, dict(result), error, job.attempt + 1, self.elapsed_ms)


class ProcessPoolQueue:
    out_of_process = True  # handlers run elsewhere: the deferred tier ships lookups to them

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
        idle_after: float = 0.05,
        min_interval: float = 0.002,
        report_every: float = 0.2,
    ) -> None:
        self.handler = handler
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.nice = nice
        self.memory_limit = memory_limit
        self.idle_after = idle_after
        self.min_interval = min_interval
        self.report_every = report_every
        self.collected = 0  # jobs that have left their workers (reported, or about to be)
        self._on_done = on_done
        self._scratch = Path(tempfile.mkdtemp(prefix="ombuds-queue-", dir=_scratch_root()))
        # Removed by close(), or at exit for a queue nobody closed (/dev/shm is memory).
        self._remove_scratch = weakref.finalize(self, shutil.rmtree, self._scratch, True)
        self._workers = [_Worker(n, self._scratch) for n in range(max(1, workers))]
        self._jobs: collections.deque[Job] = collections.deque()
        self._finished: collections.deque[_Finished] = collections.deque()
        self._pumping = threading.Lock()  # one pump at a time; the inline tier never waits on it
        self._state = threading.Lock()
        self._idle = threading.Condition(self._state)
        self._pending = 0
        self._closed = False
        self._last_pump = 0.0
        self._last_inline = 0.0  # when the engine last pumped: the watchdog keeps off till idle
        self._stop = threading.Event()
        self._attention = threading.Event()  # a worker to start or replace: wake the watchdog
        self._sleeping = False  # the watchdog is in its long sleep: submit must wake it
        self._watchdog = threading.Thread(target=self._watch, name="ombuds-queue", daemon=True)
        self._watchdog.start()

    # -- the queue interface ------------------------------------------------------------

    def submit(self, job: Job) -> None:
        with self._state:
            if self._closed:
                raise RuntimeError("the queue is closed")
            self._pending += 1
        self._jobs.append(job)
        self.maybe_pump(force=True)
        if self._sleeping:
            self._attention.set()

    def depth(self) -> int:
        """Jobs accepted and not yet reported."""
        with self._state:
            return self._pending

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every accepted job has been reported; False if `timeout` ran out."""
        with self._state:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, *, wait: bool = True) -> None:
        """Refuse new jobs; with `wait`, report every accepted one first. Without, jobs not
        yet reported are dropped (the process is going away)."""
        with self._state:
            if self._closed:
                return
            self._closed = True
        if wait:
            self.join()
        self._stop.set()
        self._attention.set()
        self._watchdog.join(timeout=30 if wait else 1)
        with self._pumping:
            for w in self._workers:
                self._kill(w)
        self._remove_scratch()

    # -- pumping (any thread; never blocks) -----------------------------------------------

    def maybe_pump(self, *, force: bool = False) -> None:
        """The engine's hook between decisions: one clock read unless a pump is due."""
        now = time.perf_counter()
        self._last_inline = now
        due = force or now - self._last_pump >= self.min_interval
        # Someone else pumping right now will do: the inline tier never waits for the lock.
        if due and self._pumping.acquire(blocking=False):
            try:
                self._pump(now)
            finally:
                self._pumping.release()

    def _pump(self, now: float) -> None:
        """Collect finished replies and hand idle, running workers their next job."""
        self._last_pump = now
        for w in self._workers:
            if w.job is not None and not w.trouble:
                self._collect(w, now)
            if w.job is None and self._jobs:
                if w.ready():
                    self._dispatch(w, self._jobs.popleft(), now)
                else:
                    self._attention.set()  # starting a process is the watchdog's job
            if w.trouble:
                self._attention.set()

    def _collect(self, w: _Worker, now: float) -> None:
        job = w.job
        assert job is not None
        assert w.conn is not None
        try:
            if not w.conn.poll(0):
                if now - w.started > w.budget:
                    w.trouble = _LATE
                return
            # The worker sends replies of at most PIPE_BUF in one write, so this is whole.
            reply = w.conn.recv_bytes()
            if not reply:  # too long for the pipe: it is in the reply file, complete
                reply = w.reply_path.read_bytes()
        except (EOFError, OSError):
            w.trouble = _DIED
            return
        self._finish(w, job, None, reply, "")

    def _dispatch(self, w: _Worker, job: Job, now: float) -> None:
        assert w.conn is not None
        w.job, w.started, w.trouble = job, now, ""
        w.budget = float(job.header.get("timeout_s", self.timeout_s))
        try:
            write_job(w.job_path, job.header, job.data)
        except (TypeError, ValueError) as exc:  # a header JSON cannot carry: the job is bad
            self._finish(w, job, JobOutcome.FAILED, b"", f"{type(exc).__name__}: {exc}")
            return
        except OSError as exc:  # no room for the file: keep the job, retry later
            log.warning("cannot write deferred job %s: %s", job.job_id, exc)
            w.job = None
            self._jobs.appendleft(job)
            return
        try:
            w.conn.send_bytes(b"g")  # one byte into an empty pipe: cannot block
        except OSError:
            w.trouble = _DIED

    def _finish(
        self, w: _Worker, job: Job, outcome: JobOutcome | None, reply: bytes, error: str
    ) -> None:
        elapsed = (time.perf_counter() - w.started) * 1000
        w.job, w.trouble = None, ""
        self.collected += 1
        self._finished.append(_Finished(job, outcome, reply, error, elapsed))

    # -- the watchdog ---------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.is_set():
            quiet = time.perf_counter() - self._last_inline
            if quiet < self.idle_after:
                # The inline tier is busy: report what it collected every `report_every`, in
                # one go. Each wake-up here takes the GIL from it once, whatever the batch
                # size: at 50 ms that measurably cost it more than at 200 ms. A pump that
                # needs a process started wakes us early.
                self._attention.wait(self.report_every)
            else:
                self._wait_for_workers()
                if time.perf_counter() - self._last_inline >= self.idle_after:
                    with self._pumping:
                        self._pump(time.perf_counter())
            self._attention.clear()
            try:
                self._maintain()
            except Exception:  # this thread must outlive any one worker's trouble
                log.exception("deferred queue maintenance failed; trying again")
                self._stop.wait(self.idle_after)
            self._report()

    def _wait_for_workers(self) -> None:
        busy = [w.conn for w in self._workers if w.job is not None and w.conn is not None]
        if busy and not self._jobs_waiting_for_a_start():
            wait(busy, timeout=self.idle_after)
        elif not self._jobs and not self._finished:
            # Nothing to do: sleep long (an idle service should not wake 20 times a second);
            # `submit` wakes us. The re-check closes the race with a submit just before.
            self._sleeping = True
            if not self._jobs and all(w.job is None for w in self._workers):
                self._attention.wait(_IDLE_SLEEP)
            self._sleeping = False

    def _jobs_waiting_for_a_start(self) -> bool:
        return bool(self._jobs) and any(w.job is None and not w.ready() for w in self._workers)

    def _maintain(self) -> None:
        """Kill late workers, replace dead ones, start workers for waiting jobs."""
        with self._pumping:
            now = time.perf_counter()
            for w in self._workers:
                job = w.job
                if job is not None and not w.trouble:
                    self._collect(w, now)
                    job = w.job
                if job is not None and w.trouble == _DIED:
                    self._kill(w)
                    w.job, w.trouble = None, ""
                    self._retry_or_crash(w, job)
                elif job is not None and (w.trouble == _LATE or now - w.started > w.budget):
                    self._kill(w)
                    self._finish(w, job, JobOutcome.TIMED_OUT, b"", f"over {w.budget:g} s")
                if w.job is None and self._jobs and not self._stop.is_set():
                    if not w.ready() and not self._start(w):
                        continue
                    self._dispatch(w, self._jobs.popleft(), time.perf_counter())

    def _retry_or_crash(self, w: _Worker, job: Job) -> None:
        if job.attempt + 1 < self.max_attempts:
            log.warning("worker %d died on job %s; retrying", w.number, job.job_id)
            self._jobs.appendleft(Job(job.job_id, job.header, job.data, job.attempt + 1))
        else:
            reason = "the worker died on every attempt"
            self._finished.append(_Finished(job, JobOutcome.CRASHED, b"", reason, 0.0))

    def _report(self) -> None:
        while self._finished:
            finished = self._finished.popleft()
            try:
                done = finished.done()
                self._on_done(done)
            except Exception:  # a failing callback must not stop the queue
                log.exception("deferred callback failed for job %s", finished.job.job_id)
            finally:
                with self._state:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()

    # -- worker processes (watchdog and close only) ---------------------------------------

    def _start(self, w: _Worker) -> bool:
        self._kill(w)
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        args = (child, self.handler, self.nice, self.memory_limit, str(w.job_path),
                str(w.reply_path))  # fmt: skip
        try:
            w.process = ctx.Process(target=worker_main, args=args, daemon=True)
            w.process.start()
        except OSError as exc:  # out of processes or memory: the jobs wait, try again soon
            log.error("cannot start deferred worker %d: %s", w.number, exc)
            parent.close()
            w.process = None
            self._stop.wait(1.0)
            return False
        finally:
            child.close()
        w.conn = parent
        return True

    @staticmethod
    def _kill(w: _Worker) -> None:
        if w.conn is not None:
            w.conn.close()
        if w.process is not None:
            w.process.kill()
            w.process.join(timeout=5)
        w.process, w.conn = None, None
