"""Decision and notice ids: prefix, 48-bit millisecond time, 80 random bits, in hex."""

from __future__ import annotations

import re

from ombuds.engine.ids import new_id, new_ids

SHAPE = re.compile(r"dcs_[0-9a-f]{12}[0-9a-f]{20}")


def test_batch_ids_have_the_shape_of_single_ones() -> None:
    single = new_id("dcs")
    batch = new_ids("dcs", 500)
    assert SHAPE.fullmatch(single)
    assert all(SHAPE.fullmatch(i) for i in batch)
    assert len(set(batch)) == 500 and new_ids("dcs", 0) == []


def test_ids_sort_by_time_across_calls() -> None:
    first = new_ids("dcs", 3)
    later = new_ids("dcs", 3)
    # Same millisecond: only the time prefix is ordered; the random part is not.
    assert max(i[:16] for i in first) <= min(i[:16] for i in later)
