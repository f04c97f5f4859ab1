"""Removing many refs from the PDQ index in one pass (a deleted bank's worth)."""

from __future__ import annotations

import numpy as np

from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.perceptual.hashes import to_hex


def test_remove_many_drops_every_hash_of_the_refs_and_nothing_else() -> None:
    rng = np.random.default_rng(7)
    words = rng.integers(0, 2**64, (3000, 4), np.uint64)
    refs = np.arange(3000) % 1000  # three hashes per ref
    index = PDQIndex.build(words, refs, tail_limit=50)
    index.add_many(words[:10], np.full(10, 5))  # in the tail, under a ref also in the table
    gone = [*range(0, 1000, 2), 5]
    assert index.remove_many(gone) == 500 * 3 + 3 + 10  # ref 5: its own three and the ten
    assert len(index) == 3010 - 1513
    hexes = to_hex(words)
    for row in (0, 1, 2, 5, 1001):
        hits = {m.ref for m in index.query(hexes[row], threshold=0)}
        assert hits == (set() if refs[row] in gone else {int(refs[row])})
    assert index.remove_many(gone) == 0
    assert index.remove_many([]) == 0
    index.compact()
    assert len(index) == 1497
