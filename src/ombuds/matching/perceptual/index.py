"""The exact PDQ index: a multi-index-hashing table plus a brute-force tail of recent adds.

Rows live in one growable store (words, refs, alive). Rows [0, indexed) are in the table;
rows [indexed, n) are the tail, scanned by brute force, so an add is visible to the very next
lookup. When the tail passes `tail_limit` it is folded into the table in place (no re-sort,
about one memory copy of the table); a full rebuild happens only when the size has changed
enough to want another chunk width, or when removed rows pass a quarter of the store.
Removal clears an alive flag. Lookups run without the lock on a snapshot of the store.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ombuds.errors import InputError
from ombuds.matching.perceptual import snapshot
from ombuds.matching.perceptual.hashes import (
    HASH_BITS,
    HASH_WORDS,
    Words,
    brute_force,
    parse_hex,
    parse_hex_many,
    to_words,
)
from ombuds.matching.perceptual.mih import BRUTE_ROW_NS, MultiIndexTable, choose_bits

DEFAULT_THRESHOLD = 31
DEFAULT_TAIL_LIMIT = 16_384
# Queries per unit of work handed to a thread: large enough to amortise numpy call overhead.
_BATCH = 256


@dataclass(frozen=True)
class PerceptualMatch:
    """One stored hash within the threshold: `ref` is the bank entry id the caller stored."""

    ref: int
    distance: int


@dataclass(frozen=True)
class ExportMark:
    """What `export_rows` wrote: rows [0, rows) of the store as laid out in `epoch` (a rebuild
    renumbers rows and starts a new epoch). JSON-ready through `as_json`/`from_json`."""

    epoch: int
    rows: int

    def as_json(self) -> dict[str, int]:
        return {"epoch": self.epoch, "rows": self.rows}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> ExportMark:
        return cls(int(str(raw["epoch"])), int(str(raw["rows"])))


@dataclass(frozen=True)
class _View:
    """What a lookup reads: array references and bounds captured under the lock."""

    words: Words
    refs: npt.NDArray[np.int64]
    alive: npt.NDArray[np.bool_]
    n: int
    table: MultiIndexTable | None


class MultiIndexHashPDQIndex:
    """Exact Hamming-range index over PDQ hashes. Thread-safe; see the module docstring."""

    def __init__(self, *, tail_limit: int = DEFAULT_TAIL_LIMIT, threads: int | None = None) -> None:
        self._tail_limit = tail_limit
        self._threads = max(1, threads if threads is not None else min(2, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()  # guards the fields below for readers
        self._write_lock = threading.RLock()  # serialises writers (adds, removals, merges)
        self._words: Words = np.zeros((0, HASH_WORDS), dtype=np.uint64)
        self._refs: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._alive: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._n = 0
        self._live = 0
        self._table: MultiIndexTable | None = None
        self._epoch = 0  # bumped by every rebuild: row numbers only hold within one epoch

    # -- construction -------------------------------------------------------------------

    @classmethod
    def build(
        cls, hashes: npt.NDArray[np.generic], refs: npt.NDArray[np.integer], **kwargs: int
    ) -> MultiIndexHashPDQIndex:
        """Index `hashes`, (n, 32) uint8 bytes MSB first or (n, 4) uint64 words (see hashes.py),
        with `refs` (n,) int64 bank entry ids."""
        index = cls(**kwargs)
        words, ref_arr = _checked(hashes, refs)
        with index._write_lock:
            index._rebuild(words, ref_arr, None)
        return index

    def _worker_pool(self) -> ThreadPoolExecutor | None:
        if self._threads < 2:
            return None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="pdq-index")
        return self._pool

    def close(self) -> None:
        """Stop the worker threads (the index stays usable, single-threaded until reused)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _rebuild(
        self, words: Words, refs: npt.NDArray[np.int64], alive: npt.NDArray[np.bool_] | None
    ) -> None:
        """Replace everything with a table over the alive rows (compacting removed ones).

        The new store gets headroom so that adds after a rebuild write in place: growing a
        10M-row store copies 400 MB, too slow for an add that must be visible within a second.
        Untouched headroom is never written, so the OS does not back it with memory.
        """
        if alive is not None and not alive.all():
            words, refs = words[alive], refs[alive]
        n = len(words)
        cap = n + n // 8 + self._tail_limit + 1024
        store_words = np.zeros((cap, HASH_WORDS), dtype=np.uint64)
        store_refs = np.zeros(cap, dtype=np.int64)
        store_alive = np.zeros(cap, dtype=np.bool_)
        store_words[:n], store_refs[:n], store_alive[:n] = words, refs, True
        table = (
            MultiIndexTable.build(store_words[:n], choose_bits(n), self._worker_pool())
            if n
            else None
        )
        with self._lock:
            self._words, self._refs, self._alive = store_words, store_refs, store_alive
            self._n = self._live = n
            self._table = table
            self._epoch += 1

    # -- writes -------------------------------------------------------------------------

    def add(self, hash_hex: str, ref: int) -> None:
        self.add_many(parse_hex(hash_hex), np.array([ref], dtype=np.int64))

    def add_many(self, hashes: npt.NDArray[np.generic], refs: npt.NDArray[np.integer]) -> None:
        words, ref_arr = _checked(hashes, refs)
        k = len(words)
        if k == 0:
            return
        with self._write_lock:
            n = self._n
            if n + k > len(self._words):
                self._grow(n + k)
            # Rows past n are invisible to readers until n moves, so writing them is safe.
            self._words[n : n + k] = words
            self._refs[n : n + k] = ref_arr
            self._alive[n : n + k] = True
            with self._lock:
                self._n = n + k
                self._live += k
            self._maybe_merge()

    def _grow(self, needed: int) -> None:
        cap = max(needed, len(self._words) + len(self._words) // 2, 1024)
        words = np.zeros((cap, HASH_WORDS), dtype=np.uint64)
        refs = np.zeros(cap, dtype=np.int64)
        alive = np.zeros(cap, dtype=np.bool_)
        n = self._n
        words[:n], refs[:n], alive[:n] = self._words[:n], self._refs[:n], self._alive[:n]
        with self._lock:
            self._words, self._refs, self._alive = words, refs, alive

    def _maybe_merge(self) -> None:
        indexed = self._table.size if self._table is not None else 0
        if self._n - indexed <= self._tail_limit:
            return
        n = self._n
        dead = n - self._live
        if self._table is None or choose_bits(n) != self._table.bits or dead * 4 > n:
            self._rebuild(self._words[:n], self._refs[:n], self._alive[:n])
        else:
            self._table.insert(self._words, indexed, n)

    def remove(self, ref: int) -> bool:
        """Remove every stored hash with this ref; False if there was none."""
        return self.remove_many([ref]) > 0

    def remove_many(self, refs: Sequence[int]) -> int:
        """Remove every stored hash of these refs in one pass over the store; returns how
        many hashes were removed (a bank's worth costs what one removal does)."""
        wanted = np.asarray(refs, dtype=np.int64)
        with self._write_lock:
            n = self._n
            hit = (
                self._refs[:n] == wanted[0] if len(wanted) == 1 else np.isin(self._refs[:n], wanted)
            )
            rows = np.flatnonzero(hit & self._alive[:n])
            if rows.size:
                self._alive[rows] = False
                with self._lock:
                    self._live -= int(rows.size)
            return int(rows.size)

    def compact(self) -> None:
        """Rebuild without removed rows and with the tail folded in."""
        with self._write_lock:
            n = self._n
            self._rebuild(self._words[:n], self._refs[:n], self._alive[:n])

    # -- reads --------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._live

    def query(self, hash_hex: str, threshold: int = DEFAULT_THRESHOLD) -> list[PerceptualMatch]:
        """Stored hashes within `threshold` bits, sorted by distance then ref."""
        return self.query_words(parse_hex(hash_hex), threshold)[0]

    def query_many(
        self, hashes_hex: Sequence[str], threshold: int = DEFAULT_THRESHOLD
    ) -> list[list[PerceptualMatch]]:
        return self.query_words(parse_hex_many(hashes_hex), threshold)

    def query_words(
        self, queries: Words, threshold: int = DEFAULT_THRESHOLD
    ) -> list[list[PerceptualMatch]]:
        """Like query_many for an (n, 4) uint64 word array; batches spread over both cores."""
        if not isinstance(threshold, int) or not 0 <= threshold <= HASH_BITS:
            raise InputError(
                f"threshold must be an integer from 0 to {HASH_BITS}, got {threshold!r}",
                field="threshold",
            )
        queries = to_words(queries)
        with self._lock:
            view = _View(self._words, self._refs, self._alive, self._n, self._table)
        pool = self._worker_pool()
        starts = range(0, len(queries), _BATCH)
        if pool is None or len(starts) < 2:
            parts = [_lookup(view, queries[s : s + _BATCH], threshold) for s in starts]
        else:
            parts = list(
                pool.map(lambda s: _lookup(view, queries[s : s + _BATCH], threshold), starts)
            )
        return [matches for part in parts for matches in part]

    # -- snapshots ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the live hashes and refs to `path` atomically (format: snapshot.py)."""
        with self._write_lock:
            n = self._n
            alive = self._alive[:n]
            snapshot.write(Path(path), self._words[:n][alive], self._refs[:n][alive])

    @classmethod
    def load(cls, path: Path, **kwargs: int) -> MultiIndexHashPDQIndex:
        """Read a snapshot and rebuild the table; a bad file raises ConfigError naming it."""
        words, refs = snapshot.read(Path(path))
        return cls.build(words, refs, **kwargs)

    # -- lookups in another process ---------------------------------------------------------

    def export_rows(self, path: Path) -> ExportMark:
        """Write the live rows for a lookup elsewhere (a deferred worker): a snapshot file
        whose refs are row numbers. `reconcile` turns what such a lookup found into refs as
        of the moment it is called, so entries removed or added since are accounted for."""
        with self._write_lock:
            n = self._n
            rows = np.flatnonzero(self._alive[:n]).astype(np.int64)
            words = self._words[rows]  # a copy: the file is written outside the lock
            mark = ExportMark(self._epoch, n)
        snapshot.write(Path(path), words, rows, {"rows_of": mark.as_json()}, durable=False)
        return mark

    def rows_since(self, mark: ExportMark) -> int | None:
        """Rows added since the export (None if a rebuild has renumbered them since)."""
        with self._lock:
            return self._n - mark.rows if self._epoch == mark.epoch else None

    def reconcile(
        self, mark: ExportMark, found: Sequence[Sequence[int]], hash_hex: str, threshold: int
    ) -> list[PerceptualMatch] | None:
        """The matches a live `query(hash_hex, threshold)` would return, from `found`, the
        (row, distance) pairs a lookup against `export_rows`'s file returned: rows removed
        since are dropped, rows added since are scanned here (usually none, so no numpy
        work). None if the rows have been renumbered since: query the live index instead."""
        with self._lock:
            if self._epoch != mark.epoch:
                return None
            words, refs, alive, n = self._words, self._refs, self._alive, self._n
        best: dict[int, int] = {}
        for row, distance in found:
            if distance <= threshold and row < mark.rows and alive[row]:
                ref = int(refs[row])
                best[ref] = min(distance, best.get(ref, distance))
        if n > mark.rows:
            _, rows, dist = brute_force(words[mark.rows : n], parse_hex(hash_hex), threshold)
            rows = rows + mark.rows
            keep = alive[rows]
            for ref, distance in zip(refs[rows[keep]].tolist(), dist[keep].tolist(), strict=True):
                best[ref] = min(distance, best.get(ref, distance))
        ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))
        return [PerceptualMatch(ref=ref, distance=distance) for ref, distance in ordered]


PDQIndex = MultiIndexHashPDQIndex


def _checked(
    hashes: npt.NDArray[np.generic], refs: npt.NDArray[np.integer]
) -> tuple[Words, npt.NDArray[np.int64]]:
    words = to_words(hashes)
    ref_arr = np.asarray(refs)
    if (
        ref_arr.ndim != 1
        or len(ref_arr) != len(words)
        or not np.issubdtype(ref_arr.dtype, np.integer)
    ):
        raise ValueError(f"refs must be a 1-D integer array of length {len(words)}")
    return words, ref_arr.astype(np.int64, copy=False)


def _lookup(view: _View, queries: Words, threshold: int) -> list[list[PerceptualMatch]]:
    n, table = view.n, view.table
    indexed = table.size if table is not None else 0
    parts = []
    if table is not None:
        if table.cost_ns(threshold) < indexed * BRUTE_ROW_NS:
            parts.append(table.search(view.words, queries, threshold))
        else:  # a wide threshold probes more buckets than there are rows
            parts.append(brute_force(view.words[:indexed], queries, threshold))
    if n > indexed:
        q, r, d = brute_force(view.words[indexed:n], queries, threshold)
        parts.append((q, r + indexed, d))
    out: list[list[PerceptualMatch]] = [[] for _ in range(len(queries))]
    if not parts:
        return out
    q_idx = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    dist = np.concatenate([p[2] for p in parts])
    # Rows past the snapshot may come from a table updated after it; the alive flag is read now.
    keep = rows < n
    keep[keep] = view.alive[rows[keep]]
    q_idx, rows, dist = q_idx[keep], rows[keep], dist[keep]
    refs = view.refs[rows]
    # Sort by (query, ref, distance) so the first of each (query, ref) is its closest hash: a
    # row found by several chunks, or a ref stored with several hashes, is reported once.
    order = np.lexsort((dist, refs, q_idx))
    q_idx, refs, dist = q_idx[order], refs[order], dist[order]
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = (q_idx[1:] != q_idx[:-1]) | (refs[1:] != refs[:-1])
    q_idx, refs, dist = q_idx[first], refs[first], dist[first]
    order = np.lexsort((refs, dist, q_idx))
    for qi, ref, d in zip(
        q_idx[order].tolist(), refs[order].tolist(), dist[order].tolist(), strict=True
    ):
        out[qi].append(PerceptualMatch(ref=ref, distance=d))
    return out
