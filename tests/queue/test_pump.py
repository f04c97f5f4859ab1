"""The process pool without supervisor threads: bytes through files, replies of any size,
results reported while the caller keeps pumping, nothing left behind."""

from __future__ import annotations

import threading
import time

from ombuds.queue import Done, Job, JobOutcome
from ombuds.queue.pool import ProcessPoolQueue

ECHO = "ombuds.testing.handlers:echo"


class Collector:
    def __init__(self) -> None:
        self.done: dict[str, Done] = {}
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, done: Done) -> None:
        with self.lock:
            assert done.job_id not in self.done, "reported twice"
            self.done[done.job_id] = done
            self.threads.add(threading.current_thread().name)


def test_megabytes_in_and_long_replies_out() -> None:
    got = Collector()
    q = ProcessPoolQueue(ECHO, got, workers=2)
    big = bytes(range(256)) * (12 * 1024 * 4)  # 12 MiB: far past any pipe buffer
    pad = "x" * 200_000  # echoed back: a reply no single pipe write carries whole
    try:
        started = time.perf_counter()
        q.submit(Job("big", {"n": 1}, big))
        q.submit(Job("long", {"pad": pad}, b"abc"))
        q.submit(Job("small", {"n": 3}))
        assert time.perf_counter() - started < 0.5, "submit waited for a worker"
        assert q.join(timeout=60)
    finally:
        q.close()
    assert got.done["big"].result["size"] == len(big)
    assert got.done["long"].result["header"]["pad"] == pad
    assert got.done["small"].outcome is JobOutcome.DONE
    assert not q._scratch.exists(), "job files are removed on close"


def test_results_arrive_while_the_caller_keeps_pumping() -> None:
    got = Collector()
    q = ProcessPoolQueue(ECHO, got, workers=1)
    try:
        for n in range(30):
            q.submit(Job(f"j{n}", {"n": n}, bytes(1000)))
        # A busy inline tier: it pumps all the time, so the watchdog never sees it idle,
        # yet every result must be reported (by the watchdog, in batches) meanwhile.
        deadline = time.monotonic() + 60
        while len(got.done) < 30 and time.monotonic() < deadline:
            q.maybe_pump()
        assert len(got.done) == 30
        assert q.depth() == 0
    finally:
        q.close()
    assert got.threads == {"ombuds-queue"}, "one thread reports, never the caller's"


def test_close_without_waiting_returns_and_cleans_up() -> None:
    got = Collector()
    q = ProcessPoolQueue("ombuds.testing.handlers:misbehave", got, timeout_s=20)
    q.submit(Job("hang", {"do": "hang"}))
    q.submit(Job("queued", {"do": "echo"}))
    started = time.perf_counter()
    q.close(wait=False)
    assert time.perf_counter() - started < 10
    assert not q._scratch.exists()
