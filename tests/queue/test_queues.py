"""Every queue backend reports every job exactly once; the process pool survives hostile jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombuds.errors import ConfigError
from ombuds.queue import Done, Job, JobOutcome, WorkQueue, queue_backend
from ombuds.queue.pool import ProcessPoolQueue

ECHO = "ombuds.testing.handlers:echo"
MISBEHAVE = "ombuds.testing.handlers:misbehave"


class Collector:
    def __init__(self) -> None:
        self.done: dict[str, Done] = {}
        self.lock = threading.Lock()

    def __call__(self, done: Done) -> None:
        with self.lock:
            assert done.job_id not in self.done, "reported twice"
            self.done[done.job_id] = done


def wait(q: WorkQueue) -> None:
    if isinstance(q, ProcessPoolQueue):
        assert q.join(timeout=60), "jobs were not all reported"


@pytest.fixture(params=["sync", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_job_is_reported_once_with_its_result(backend: str) -> None:
    got = Collector()
    q = queue_backend(backend, ECHO, got)
    try:
        for n in range(20):
            q.submit(Job(f"j{n}", {"n": n}, bytes(n)))
        wait(q)
    finally:
        q.close()
    assert sorted(got.done) == sorted(f"j{n}" for n in range(20))
    assert all(d.outcome is JobOutcome.DONE for d in got.done.values())
    assert got.done["j7"].result["size"] == 7
    assert got.done["j7"].result["header"]["n"] == 7
    assert q.depth() == 0


def test_a_failing_handler_reports_failed_and_goes_on(backend: str) -> None:
    got = Collector()
    q = queue_backend(backend, "ombuds.testing.handlers:fail", got)
    try:
        q.submit(Job("a", {"job": "a"}))
        q.submit(Job("b", {"job": "b"}))
        wait(q)
    finally:
        q.close()
    assert {d.outcome for d in got.done.values()} == {JobOutcome.FAILED}
    assert "ValueError: cannot handle job a" in got.done["a"].error


@pytest.fixture
def pool() -> Iterator[tuple[ProcessPoolQueue, Collector]]:
    got = Collector()
    q = ProcessPoolQueue(MISBEHAVE, got, workers=1, timeout_s=20, max_attempts=2)
    yield q, got
    q.close(wait=False)


def test_a_hanging_job_times_out_and_the_next_one_runs(
    pool: tuple[ProcessPoolQueue, Collector],
) -> None:
    q, got = pool
    q.submit(Job("hang", {"do": "hang", "timeout_s": 1.5}))
    q.submit(Job("after", {"do": "echo"}))
    assert q.join(timeout=60)
    assert got.done["hang"].outcome is JobOutcome.TIMED_OUT
    assert got.done["after"].outcome is JobOutcome.DONE


def test_a_worker_that_dies_mid_job_leaves_it_to_be_picked_up_again(
    pool: tuple[ProcessPoolQueue, Collector], tmp_path: Path
) -> None:
    q, got = pool
    q.submit(Job("once", {"do": "die-once", "marker": str(tmp_path / "m")}))
    q.submit(Job("always", {"do": "die"}))
    q.submit(Job("fine", {"do": "echo"}, b"abc"))
    assert q.join(timeout=90)
    assert got.done["once"].outcome is JobOutcome.DONE and got.done["once"].attempts == 2
    assert got.done["always"].outcome is JobOutcome.CRASHED
    assert got.done["fine"].result["size"] == 3


def test_the_memory_limit_turns_a_bomb_into_a_failure() -> None:
    got = Collector()
    q = ProcessPoolQueue(MISBEHAVE, got, memory_limit=1024**3, timeout_s=30)
    try:
        q.submit(Job("bomb", {"do": "allocate", "bytes": 4 * 1024**3}))
        q.submit(Job("next", {"do": "echo"}))
        assert q.join(timeout=90)
    finally:
        q.close()
    assert got.done["bomb"].outcome is JobOutcome.FAILED
    assert "MemoryError" in got.done["bomb"].error
    assert got.done["next"].outcome is JobOutcome.DONE


def test_workers_run_in_other_processes_at_lower_priority(
    pool: tuple[ProcessPoolQueue, Collector],
) -> None:
    import os

    q, got = pool
    q.submit(Job("pid", {"do": "echo"}))
    assert q.join(timeout=60)
    worker_pid = got.done["pid"].result["pid"]
    assert worker_pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, worker_pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 10


def test_submit_after_close_is_refused(pool: tuple[ProcessPoolQueue, Collector]) -> None:
    q, _ = pool
    q.close()
    with pytest.raises(RuntimeError, match="closed"):
        q.submit(Job("late", {}))


def test_unknown_backend_and_handler_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown queue backend"):
        queue_backend("carrier-pigeon", ECHO, Collector())
    with pytest.raises(ConfigError, match="module:function"):
        queue_backend("sync", "no-colon", Collector())
    with pytest.raises(ConfigError, match="cannot load handler"):
        queue_backend("sync", "ombuds.testing.handlers:nope", Collector())
