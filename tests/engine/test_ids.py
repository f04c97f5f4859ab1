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


def test_ids_from_the_pool_never_repeat_across_refills() -> None:
    # 3,000 ids take 30,000 random bytes: several refills of the 4 KiB pool, and one take
    # larger than the pool itself.
    ids = [i for n in (1, 7, 409, 410, 2_000, 173) for i in new_ids("dcs", n)]
    assert len(set(ids)) == len(ids) == 3_000
    assert all(SHAPE.fullmatch(i) for i in ids)


def test_a_forked_child_draws_randomness_of_its_own() -> None:
    import os

    new_ids("dcs", 1)  # the pool holds randomness now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        os.write(write, new_ids("dcs", 1)[0].encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child[16:] != new_ids("dcs", 1)[0][16:]
