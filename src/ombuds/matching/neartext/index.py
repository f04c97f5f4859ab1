"""NearTextIndex: near-duplicate lookup of MinHash values by estimated Jaccard similarity.

Rows (signature, ref, alive) live in one growable store, in three ranges: rows in the main
band table (see _bands.py), rows in a smaller delta band table after them, and a short tail
of the latest adds scanned by brute force, so an add is visible to the very next query. When
the tail reaches `tail_limit` rows it is folded into the delta (re-sorting the delta only);
when the delta passes a quarter of the main table it is merged into it. Removal clears an
alive flag; the store is compacted when removed or replaced rows outnumber live ones.

Queries are exact, never approximate: at a threshold of at least `exact_floor`
(97/128 ~ 0.758 with the default 32 bands) the banding cannot miss a match (pigeonhole, see
_bands.py); below it the query compares against every stored signature (~1 ms per 10,000).
Either way every candidate is verified, so a result's similarity is the estimated Jaccard
similarity (`minhash.jaccard`) and nothing under the threshold is reported.

Thread-safe: one lock around every operation (queries are tens of microseconds).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ombuds.matching.neartext import snapshot
from ombuds.matching.neartext._bands import BandKeys, BandTable, exact_floor
from ombuds.matching.signals.minhash import DEFAULT_THRESHOLD, NUM_PERM, from_hex

DEFAULT_BANDS = 32
DEFAULT_TAIL_LIMIT = 512
_MIN_DELTA = 16_384


class NearTextMatch(NamedTuple):
    """A stored signature at or above the threshold: the caller's `ref` (a bank entry id)
    and the estimated Jaccard similarity, a multiple of 1/128."""

    ref: int
    similarity: float


class NearTextIndex:
    def __init__(self, *, bands: int = DEFAULT_BANDS, tail_limit: int = DEFAULT_TAIL_LIMIT) -> None:
        self._band_keys = BandKeys(NUM_PERM, bands)
        self.exact_floor = exact_floor(NUM_PERM, bands)
        self._tail_limit = max(1, tail_limit)
        self._lock = threading.RLock()
        self._sigs: npt.NDArray[np.uint32] = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._refs: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._alive: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._n = 0
        self._row_of: dict[int, int] = {}
        self._table = BandTable(self._band_keys)
        self._delta = BandTable(self._band_keys)

    # -- writes -------------------------------------------------------------------------

    def add(self, value: str, ref: int) -> None:
        """Store a minhash value under `ref`, replacing what `ref` held before."""
        self.add_signatures(from_hex(value)[None, :], np.array([ref], dtype=np.int64))

    def add_many(self, values: Sequence[str], refs: Sequence[int]) -> None:
        """Store several values; all are parsed before any is added. A repeated ref keeps
        its last value."""
        if len(values) != len(refs):
            raise ValueError("add_many needs as many refs as values")
        if not values:
            return
        signatures = np.stack([from_hex(v) for v in values])
        self.add_signatures(signatures, np.asarray(refs, dtype=np.int64))

    def add_signatures(
        self, signatures: npt.NDArray[np.uint32], refs: npt.NDArray[np.int64]
    ) -> None:
        """Bulk form of add_many: (n, 128) uint32 signatures and (n,) int64 refs."""
        signatures = np.asarray(signatures)
        if signatures.ndim != 2 or signatures.shape[1] != NUM_PERM or signatures.dtype != np.uint32:
            raise ValueError(f"signatures must be (n, {NUM_PERM}) uint32")
        refs = np.asarray(refs, dtype=np.int64)
        if refs.shape != (len(signatures),):
            raise ValueError("add_signatures needs one ref per signature")
        with self._lock:
            ref_list = refs.tolist()
            for ref in set(ref_list):
                self._kill(ref)
            # Within the batch, the last occurrence of a ref wins.
            last = {ref: i for i, ref in enumerate(ref_list)}
            if len(last) != len(ref_list):
                keep = np.array(sorted(last.values()), dtype=np.int64)
                signatures, refs, ref_list = signatures[keep], refs[keep], refs[keep].tolist()
            start = self._n
            self._grow(len(ref_list))
            end = start + len(ref_list)
            self._sigs[start:end] = signatures
            self._refs[start:end] = refs
            self._alive[start:end] = True
            self._n = end
            self._row_of.update(zip(ref_list, range(start, end), strict=True))
            if not self._maybe_compact():
                self._maybe_fold()

    def remove(self, ref: int) -> bool:
        """Forget `ref`; False when it was not stored."""
        with self._lock:
            removed = self._kill(ref)
            if removed:
                self._maybe_compact()
            return removed

    def _kill(self, ref: int) -> bool:
        row = self._row_of.pop(ref, None)
        if row is None:
            return False
        self._alive[row] = False
        return True

    def _grow(self, extra: int) -> None:
        needed = self._n + extra
        if needed <= len(self._refs):
            return
        cap = max(needed, len(self._refs) * 3 // 2, 1024)
        sigs = np.zeros((cap, NUM_PERM), dtype=np.uint32)
        refs = np.zeros(cap, dtype=np.int64)
        alive = np.zeros(cap, dtype=np.bool_)
        sigs[: self._n], refs[: self._n], alive[: self._n] = (
            self._sigs[: self._n],
            self._refs[: self._n],
            self._alive[: self._n],
        )
        self._sigs, self._refs, self._alive = sigs, refs, alive

    def _maybe_fold(self) -> None:
        if self._n - self._delta.end < self._tail_limit:
            return
        if self._n - self._table.end >= max(_MIN_DELTA, self._table.end // 4):
            # Delta and tail together are large: merge both into the main table.
            self._table.extend(self._sigs[self._table.end : self._n], self._table.end)
            self._delta = BandTable(self._band_keys, start=self._n)
        else:
            self._delta.extend(self._sigs[self._delta.end : self._n], self._delta.end)

    def _maybe_compact(self) -> bool:
        """Compact when removed or replaced rows outnumber live ones (and 1024)."""
        live = len(self._row_of)
        if self._n - live <= max(live, 1024):
            return False
        self._compact()
        return True

    def _compact(self) -> None:
        live = np.flatnonzero(self._alive[: self._n])
        sigs, refs = self._sigs[live].copy(), self._refs[live].copy()
        self._n = 0
        self._sigs = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._refs = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=np.bool_)
        self._row_of = {}
        self._table = BandTable(self._band_keys)
        self._delta = BandTable(self._band_keys)
        self.add_signatures(sigs, refs)

    # -- reads --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, ref: object) -> bool:
        return ref in self._row_of

    def signature(self, ref: int) -> npt.NDArray[np.uint32] | None:
        with self._lock:
            row = self._row_of.get(ref)
            return None if row is None else self._sigs[row].copy()

    def query(self, value: str, threshold: float = DEFAULT_THRESHOLD) -> list[NearTextMatch]:
        """Stored refs with estimated similarity >= threshold, most similar first (ties by
        ref). `threshold` is per query: a bank's own threshold."""
        return self.query_signature(from_hex(value), threshold)

    def query_signature(
        self, signature: npt.NDArray[np.uint32], threshold: float = DEFAULT_THRESHOLD
    ) -> list[NearTextMatch]:
        if not 0.0 <= threshold <= 1.0 or math.isnan(threshold):
            raise ValueError(f"threshold must be within 0..1, got {threshold}")
        query = np.asarray(signature, dtype=np.uint32).reshape(1, NUM_PERM)
        # Equal positions needed; the epsilon keeps 0.8 * 128 = 102.4 from becoming 103.
        need = math.ceil(threshold * NUM_PERM - 1e-9)
        with self._lock:
            n = self._n
            if need / NUM_PERM >= self.exact_floor:
                tail = np.arange(self._delta.end, n, dtype=np.int64)
                main = self._table.candidates(query).astype(np.int64)
                delta = self._delta.candidates(query).astype(np.int64)
                rows = np.concatenate([main, delta, tail])
            else:
                rows = np.arange(n, dtype=np.int64)
            if len(rows) == 0:
                return []
            rows = rows[self._alive[rows]]
            equal = np.count_nonzero(self._sigs[rows] == query, axis=1)
            hit = equal >= need
            refs, equal = self._refs[rows[hit]], equal[hit]
        order = np.lexsort((refs, -equal))
        return [
            NearTextMatch(int(r), e / NUM_PERM)
            for r, e in zip(refs[order].tolist(), equal[order].tolist(), strict=True)
        ]

    def brute_force(self, value: str, threshold: float = DEFAULT_THRESHOLD) -> list[NearTextMatch]:
        """`query` without the band table: the reference its results must equal."""
        query = from_hex(value)[None, :]
        need = math.ceil(threshold * NUM_PERM - 1e-9)
        with self._lock:
            rows = np.flatnonzero(self._alive[: self._n])
            equal = np.count_nonzero(self._sigs[rows] == query, axis=1)
            refs, equal = self._refs[rows][equal >= need], equal[equal >= need]
        order = np.lexsort((refs, -equal))
        return [
            NearTextMatch(int(r), int(e) / NUM_PERM)
            for r, e in zip(refs[order], equal[order], strict=True)
        ]

    # -- snapshots ----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the live signatures and refs (see snapshot.py); the bands are not stored."""
        with self._lock:
            live = np.flatnonzero(self._alive[: self._n])
            sigs, refs = self._sigs[live], self._refs[live]
        snapshot.write(Path(folder), sigs, refs, NUM_PERM)

    @classmethod
    def load(
        cls, folder: Path, *, bands: int = DEFAULT_BANDS, tail_limit: int = DEFAULT_TAIL_LIMIT
    ) -> NearTextIndex:
        """An index over a saved snapshot; ConfigError when it is missing or damaged."""
        sigs, refs = snapshot.read(Path(folder), NUM_PERM)
        index = cls(bands=bands, tail_limit=tail_limit)
        index.add_signatures(sigs, refs)
        return index
