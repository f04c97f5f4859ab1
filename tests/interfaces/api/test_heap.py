"""What `ombuds serve` does to the collector once its engine is loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ombuds.interfaces.api.runtime import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_loaded_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    gc.set_threshold(700, 10, 10)  # CPython's default; other tests may have moved it
    loaded = [[i] for i in range(1_000)]  # what an engine keeps, in miniature
    settle_heap()
    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
