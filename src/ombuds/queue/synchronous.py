"""A queue that runs each job at once in the caller's thread: the stand-in for fast tests and
for one-shot commands such as `ombuds scan`, where waiting for the result is the point."""

from __future__ import annotations

import time

from ombuds.queue.base import Callback, Done, Job, JobOutcome, load_handler


class SynchronousQueue:
    out_of_process = False

    def __init__(self, handler: str, on_done: Callback) -> None:
        self._handler = load_handler(handler)
        self._on_done = on_done

    def submit(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            result = self._handler(job.header, job.data)
        except Exception as exc:  # a bad job must not stop the caller: report it
            done = Done(job.job_id, JobOutcome.FAILED, error=f"{type(exc).__name__}: {exc}")
        else:
            done = Done(job.job_id, JobOutcome.DONE, result)
        elapsed = (time.perf_counter() - started) * 1000
        self._on_done(Done(done.job_id, done.outcome, done.result, done.error, 1, elapsed))

    def depth(self) -> int:
        return 0

    def maybe_pump(self) -> None:
        return None  # every job was reported when submit returned

    def close(self, *, wait: bool = True) -> None:
        return None
