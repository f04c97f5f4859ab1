"""The writer process's own failure modes: a child that dies, a store it cannot open."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from ombuds.engine.writer_process import ProcessCommitSink
from ombuds.errors import ConfigError, UnavailableError
from ombuds.records import Store

from ..db_faults import write_locked
from .test_sinks import decision, stored


def test_a_dead_writer_fails_its_units_and_the_next_group_gets_a_new_one(store: Store) -> None:
    sink = ProcessCommitSink(store.engine.url.render_as_string(hide_password=False))
    try:
        first = sink.pid
        assert first is not None
        with write_locked(store):  # the child waits on the lock while it is killed
            sink.accept(decision("lost"))
            lost = sink.commit()
            time.sleep(0.5)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(UnavailableError, match="stopped"):
                lost.result(timeout=30)
        sink.accept(decision("after"))
        sink.flush()
        assert sink.pid not in (None, first)
    finally:
        sink.close()
    assert not stored(store, "lost")
    assert stored(store, "after")


def test_a_store_the_child_cannot_open_fails_at_construction(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot create the folder") as caught:
        ProcessCommitSink(f"sqlite:///{blocker}/sub/ombuds.db")
    assert caught.value.field == "database_url"
