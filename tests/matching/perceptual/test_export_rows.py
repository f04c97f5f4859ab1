"""A lookup against `export_rows`'s file, reconciled later, equals a live lookup then.

This is what lets the deferred worker search the PDQ index while the engine keeps learning
and forgetting entries: removed entries must not match, entries added after the export must.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.perceptual.hashes import brute_force, parse_hex, to_hex

THRESHOLD = 31


def near(words: np.ndarray, row: int, flips: int, rng: np.random.Generator) -> str:
    """The hash of `row` with `flips` bits flipped: within the threshold of it."""
    bits = np.unpackbits(words[row].astype(">u8").view(np.uint8))
    bits[rng.choice(256, flips, replace=False)] ^= 1
    return to_hex(np.packbits(bits).view(">u8").astype(np.uint64).reshape(1, 4))[0]


def brute(stored: dict[int, list[np.ndarray]], query: str) -> list[tuple[int, int]]:
    """Every ref with a hash within THRESHOLD, at its closest distance: the ground truth."""
    best: dict[int, int] = {}
    for ref, hashes in stored.items():
        _, _, dist = brute_force(np.stack(hashes), parse_hex(query), THRESHOLD)
        if len(dist):
            best[ref] = int(dist.min())
    return sorted(best.items(), key=lambda kv: (kv[1], kv[0]))


def lookup_elsewhere(path: Path, query: str) -> list[list[int]]:
    """What a deferred worker does with the file: a fresh index, refs are row numbers."""
    exported = PDQIndex.load(path, threads=1)
    return [[m.ref, m.distance] for m in exported.query(query, threshold=THRESHOLD)]


def test_reconciled_hits_equal_brute_force_after_adds_and_removals(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    words = rng.integers(0, 2**64, (5000, 4), np.uint64)
    refs = np.arange(5000) + 100
    index = PDQIndex.build(words, refs, tail_limit=10_000, threads=1)
    stored = {int(r): [w] for r, w in zip(refs, words, strict=True)}
    index.remove_many([100 + 7])  # dead before the export: never in the file
    del stored[107]

    mark = index.export_rows(tmp_path / "rows.pdq")
    assert mark.rows == 5000

    queries = [near(words, row, flips, rng) for row in (3, 7, 9, 12) for flips in (0, 10, 25)]
    index.remove_many([103])  # removed after the export: its hits must be dropped
    del stored[103]
    added = parse_hex(near(words, 9, 5, rng))  # added after: only the tail scan finds it
    index.add_many(added, np.array([999_999]))
    stored[999_999] = [added[0]]
    index.remove_many([112])  # refresh: out, and back in under the same ref (a new row)
    index.add_many(words[12:13], np.array([112]))
    assert index.rows_since(mark) == 2

    for query in queries:
        got = index.reconcile(mark, lookup_elsewhere(tmp_path / "rows.pdq", query), query, 31)
        assert got is not None
        assert [(m.ref, m.distance) for m in got] == brute(stored, query)
        assert got == index.query(query, threshold=THRESHOLD)


def test_a_narrower_threshold_filters_and_a_rebuild_invalidates(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    words = rng.integers(0, 2**64, (2000, 4), np.uint64)
    index = PDQIndex.build(words, np.arange(2000), threads=1)
    mark = index.export_rows(tmp_path / "rows.pdq")
    query = near(words, 5, 20, rng)
    found = lookup_elsewhere(tmp_path / "rows.pdq", query)
    narrow = index.reconcile(mark, found, query, 10)
    assert narrow == index.query(query, threshold=10) == []
    index.compact()  # rows renumbered: the export's row numbers mean nothing now
    assert index.rows_since(mark) is None
    assert index.reconcile(mark, found, query, THRESHOLD) is None
