"""Multi-index hashing (Norouzi, Punjani & Fleet) over 256-bit words, exact by pigeonhole.

The hash is cut into `chunks` disjoint substrings of `bits` bits (bits [c*bits, (c+1)*bits),
MSB first; up to `bits - 1` trailing bits are left out). If two hashes are within t bits, their
chunk distances sum to at most t, so for any radii r_c with sum(r_c + 1) >= t + 1 some chunk c
is within r_c bits (the generalised pigeonhole of Qin et al.). Probing every chunk value within
r_c of the query's chunk therefore finds every hash within t, and the exact distance of each
candidate decides. A radius of -1 skips the chunk, which is how small thresholds stay cheap.

Each chunk table is CSR: `offsets` (2**bits + 1, int32) into `rows` (n, int32), the row ids
grouped by chunk value. With 2**bits near n a probe reads about one row, so the cost per query
is about (probes + candidates), both set by `bits` and the threshold; `choose_bits` picks the
cheapest layout for a size with a cost model measured on this machine (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ombuds.matching.perceptual.hashes import HASH_BITS, Words, row_distances

# Measured costs per query (ns) of one probe, one verified candidate and one brute-force row.
PROBE_NS = 45.0
CANDIDATE_NS = 55.0
BRUTE_ROW_NS = 10.0
MIN_BITS, MAX_BITS = 8, 24
# Cap on probe keys held at once per chunk: bounds temporaries at large thresholds.
_PROBE_BATCH = 1 << 20

Chunk = tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]  # (offsets, rows)
Matches = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.uint16]]


def radii_for(threshold: int, chunks: int) -> list[int]:
    """Per-chunk probe radii with sum(r + 1) == threshold + 1, as even as possible."""
    q, rem = divmod(threshold + 1, chunks)
    return [q] * rem + [q - 1] * (chunks - rem)


def ball_size(bits: int, radius: int) -> int:
    return sum(math.comb(bits, k) for k in range(radius + 1)) if radius >= 0 else 0


def plan_cost_ns(bits: int, n: int, threshold: int) -> float:
    """Modelled cost of one lookup in a table of n rows (random data)."""
    chunks = HASH_BITS // bits
    probes = sum(ball_size(bits, r) for r in radii_for(threshold, chunks))
    return probes * (PROBE_NS + CANDIDATE_NS * n / (1 << bits))


def choose_bits(n: int, threshold: int = 31) -> int:
    """The chunk width with the cheapest modelled lookup for n rows.

    Offsets cost 4 * 2**bits bytes per chunk, so widths far above log2(n) are ruled out: they
    would spend more memory on empty buckets than on rows.
    """
    limit = max(MIN_BITS, min(MAX_BITS, math.ceil(math.log2(max(n, 1))) + 1))
    return min(range(MIN_BITS, limit + 1), key=lambda b: plan_cost_ns(b, n, threshold))


@lru_cache(maxsize=64)
def probe_masks(bits: int, radius: int) -> npt.NDArray[np.int64]:
    """Every `bits`-wide XOR mask of popcount <= radius (ascending)."""
    if radius >= bits:
        return np.arange(1 << bits, dtype=np.int64)
    values = np.arange(1 << bits, dtype=np.uint32)
    masks = np.flatnonzero(np.bitwise_count(values) <= radius).astype(np.int64)
    masks.setflags(write=False)
    return masks


def extract_chunk(words: Words, bits: int, chunk: int) -> npt.NDArray[np.int64]:
    """The value of chunk `chunk` of every hash, as int64 (used as a table index)."""
    start = chunk * bits
    word, shift = divmod(start, 64)
    mask = np.uint64((1 << bits) - 1)
    if shift + bits <= 64:
        out = (words[:, word] >> np.uint64(64 - shift - bits)) & mask
    else:
        spill = shift + bits - 64
        out = (
            (words[:, word] << np.uint64(spill)) | (words[:, word + 1] >> np.uint64(64 - spill))
        ) & mask
    return out.astype(np.int64)


def _group_rows(keys: npt.NDArray[np.int64], bits: int, first_row: int) -> Chunk:
    """CSR of row ids grouped by key. Two stable 12-bit passes use numpy's radix sort,
    about twice as fast as a comparison argsort of 10M keys."""
    counts = np.bincount(keys, minlength=1 << bits)
    offsets = np.zeros((1 << bits) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    low = (keys & 0xFFF).astype(np.uint16)
    order = np.argsort(low, kind="stable")
    high = (keys >> 12).astype(np.uint16)[order]
    order = order[np.argsort(high, kind="stable")]
    rows = order.astype(np.int32)
    if first_row:
        rows += np.int32(first_row)
    return offsets, rows


@dataclass
class MultiIndexTable:
    """Chunk tables over rows [0, size) of a word array the owner keeps."""

    bits: int
    chunks: list[Chunk]
    size: int

    @property
    def n_chunks(self) -> int:
        return len(self.chunks)

    @classmethod
    def build(
        cls, words: Words, bits: int, pool: ThreadPoolExecutor | None = None
    ) -> MultiIndexTable:
        if len(words) >= 2**31 - 1:
            raise ValueError("at most 2**31 - 2 hashes per table")
        n_chunks = HASH_BITS // bits

        def one(c: int) -> Chunk:
            return _group_rows(extract_chunk(words, bits, c), bits, 0)

        run: Callable[[Callable[[int], Chunk], range], Iterator[Chunk]] = pool.map if pool else map
        return cls(bits, list(run(one, range(n_chunks))), len(words))

    def insert(self, words: Words, start: int, stop: int) -> None:
        """Index rows [start, stop) of `words` (start == self.size) without re-sorting.

        Each chunk is replaced by a new array pair as soon as it is ready, so a lookup running
        meanwhile sees old and new chunks mixed: the owner keeps scanning those rows by brute
        force until `size` moves and removes duplicate hits, so results stay exact and peak
        extra memory is one chunk, not the whole table.
        """
        new = words[start:stop]
        new_rows = np.arange(start, stop, dtype=np.int32)
        for c in range(self.n_chunks):
            offsets, rows = self.chunks[c]
            keys = extract_chunk(new, self.bits, c)
            grown = np.zeros_like(offsets)
            np.cumsum(np.bincount(keys, minlength=1 << self.bits), out=grown[1:])
            grown += offsets
            self.chunks[c] = (grown, np.insert(rows, offsets[keys + 1], new_rows))
        self.size = stop

    def nbytes(self) -> int:
        return sum(o.nbytes + r.nbytes for o, r in self.chunks)

    def cost_ns(self, threshold: int) -> float:
        return plan_cost_ns(self.bits, self.size, threshold)

    def search(self, words: Words, queries: Words, threshold: int) -> Matches:
        """(query, row, distance) for rows within threshold; a row may appear more than once."""
        out_q: list[npt.NDArray[np.intp]] = []
        out_r: list[npt.NDArray[np.intp]] = []
        out_d: list[npt.NDArray[np.uint16]] = []
        for c, radius in enumerate(radii_for(threshold, self.n_chunks)):
            if radius < 0:
                continue
            masks = probe_masks(self.bits, radius)
            step = max(1, _PROBE_BATCH // len(masks))
            for q0 in range(0, len(queries), step):
                found = self._search_chunk(words, queries[q0 : q0 + step], threshold, c, masks)
                if found is not None:
                    out_q.append(found[0] + q0)
                    out_r.append(found[1])
                    out_d.append(found[2])
        if not out_q:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty.copy(), np.zeros(0, dtype=np.uint16)
        return np.concatenate(out_q), np.concatenate(out_r), np.concatenate(out_d)

    def _search_chunk(
        self,
        words: Words,
        queries: Words,
        threshold: int,
        c: int,
        masks: npt.NDArray[np.int64],
    ) -> Matches | None:
        offsets, rows = self.chunks[c]
        keys = (extract_chunk(queries, self.bits, c)[:, None] ^ masks[None, :]).ravel()
        # np.take is several times faster than fancy indexing for these gathers.
        starts = np.take(offsets, keys)
        counts = np.take(offsets, keys + 1)
        counts -= starts
        hit = np.flatnonzero(counts)
        if hit.size == 0:
            return None
        starts, counts = starts[hit], counts[hit]
        ends = np.cumsum(counts, dtype=np.int64)
        # Expand each [start, start + count) bucket range into row positions, vectorised.
        pos = np.repeat(starts - (ends - counts), counts)
        pos += np.arange(ends[-1], dtype=np.int64)
        cand = np.take(rows, pos)
        # Probes are laid out query-major, so each query's candidates are contiguous.
        per_query = np.searchsorted(hit, np.arange(len(queries) + 1) * len(masks))
        ends0 = np.concatenate(([0], ends))
        q_counts = np.diff(ends0[per_query])
        dist = row_distances(np.take(words, cand, axis=0), np.repeat(queries, q_counts, axis=0))
        ok = np.flatnonzero(dist <= threshold)
        q_idx = np.searchsorted(np.cumsum(q_counts), ok, side="right")
        return q_idx, cand[ok].astype(np.intp), dist[ok]
