"""Scoring of the PDQ robustness benchmark (bench/pdq_robustness.py): vectorised Hamming
distances over hashes stored as 4 uint64 words, so all queries x 10,000 distractors x 8
dihedral hashes (~500 million comparisons) take seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import robustness_images as images
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD, QUALITY_FLOOR

Words = npt.NDArray[np.uint64]  # PDQ hashes as 4 uint64 words each: popcount-friendly
Ints = npt.NDArray[np.int64]


@dataclass
class Data:
    originals: Words  # N x 8 x 4: dihedral hashes of the uploaded originals
    distractors: Words  # M x 4, quality >= 50 only
    distractors_dropped: int  # seeds skipped for quality < 50 on the way to M
    queries: dict[str, Words]  # transform key -> N x 8 x 4
    quality: dict[str, Ints]  # transform key -> N


def distances(a: Words, b: Words) -> npt.NDArray[np.uint16]:
    """Hamming distances between every hash in a (... x 4) and every hash in b (K x 4)."""
    counts: npt.NDArray[np.uint16] = np.bitwise_count(a[..., None, :] ^ b).sum(
        axis=-1, dtype=np.uint16
    )
    return counts


def false_match_histograms(
    queries: Words, distractors: Words, chunk: int = 32
) -> tuple[Ints, Ints]:
    """Histograms (0..256) of query-distractor distances: plain, and min over the query's 8
    dihedral hashes. Thresholds are read off the cumulative sums."""
    plain = np.zeros(257, dtype=np.int64)
    dihedral = np.zeros(257, dtype=np.int64)
    for start in range(0, len(queries), chunk):
        d = distances(queries[start : start + chunk], distractors)  # c x 8 x M
        plain += np.bincount(d[:, 0].ravel(), minlength=257)
        dihedral += np.bincount(d.min(axis=1).ravel(), minlength=257)
    return plain, dihedral


@dataclass
class Row:
    key: str
    family: str
    strength: str
    plain: Ints  # per image distance to its original, 999 where the query has no signal
    dihedral: Ints  # min over the query's 8 hashes
    bank_side: Ints  # query's plain hash against the original's 8 hashes
    no_signal: int

    def matched(self, distance: Ints, threshold: int = DEFAULT_THRESHOLD) -> float:
        return float((distance <= threshold).mean())


def score(data: Data) -> list[Row]:
    rows = []
    originals = data.originals[:, 0]
    for t in images.TRANSFORMS:
        q, ok = data.queries[t.key], data.quality[t.key] >= QUALITY_FLOOR
        own = np.arange(len(q))
        plain = distances(q[:, 0], originals)[own, own].astype(np.int64)
        dihedral = distances(q, originals)[own, :, own].min(axis=1).astype(np.int64)
        bank = distances(data.originals, q[:, 0])[own, :, own].min(axis=1).astype(np.int64)
        # No signal means the engine never looks the upload up: it cannot match.
        for d in (plain, dihedral, bank):
            d[~ok] = 999
        rows.append(Row(t.key, t.family, t.strength, plain, dihedral, bank, int((~ok).sum())))
    return rows


def cross_template(data: Data) -> list[str]:
    """Min distance between edited images of different originals under the same edit: a
    shared frame (UI chrome, border, banner) pulls unrelated images together."""
    out = []
    for t in images.TRANSFORMS:
        ok = data.quality[t.key] >= QUALITY_FLOOR
        q = data.queries[t.key][ok]
        d = distances(q, q[:, 0])  # row image's 8 hashes x column image's plain hash
        plain, dihedral = d[:, 0].astype(np.int64), d.min(axis=1).astype(np.int64)
        np.fill_diagonal(plain, 999)
        np.fill_diagonal(dihedral, 999)
        # Pairs counted once: plain distance is symmetric, dihedral is min of both directions.
        hits = int((plain <= DEFAULT_THRESHOLD).sum()) // 2
        hits_dihedral = int((np.minimum(dihedral, dihedral.T) <= DEFAULT_THRESHOLD).sum()) // 2
        note = f" ({hits}/{hits_dihedral} pairs <= 31)" if hits_dihedral else ""
        out.append(f"{t.key} min {int(plain.min())}/{int(dihedral.min())}{note}")
    return out


def pair_stats(d: npt.NDArray[np.integer]) -> str:
    return (
        f"{d.size:,} pairs, min {d.min()}, 0.1th pct {np.percentile(d, 0.1):.0f}, "
        f"median {np.median(d):.0f}, <= 31: {(d <= 31).sum()}, <= 48: {(d <= 48).sum()}"
    )


def diversity(data: Data) -> list[str]:
    """Distance distributions between unrelated generated images: if these collide, the
    false-match rates measure the generator, not PDQ."""
    o = data.originals[:, 0]
    d_oo = distances(o, o)[np.triu_indices(len(o), 1)]
    d_od = distances(o, data.distractors)
    hist = np.zeros(257, dtype=np.int64)
    dd = data.distractors
    for start in range(0, len(dd), 256):
        block = distances(dd[start : start + 256], dd[start + 1 :])
        # Keep only pairs (i, j) with j > i: row r of the block is distractor start + r.
        mask = np.arange(block.shape[1])[None, :] >= np.arange(block.shape[0])[:, None]
        hist += np.bincount(block[mask], minlength=257)
    nz = np.nonzero(hist)[0]
    cum = np.cumsum(hist)
    p = int(np.searchsorted(cum, cum[-1] * 0.001))
    med = int(np.searchsorted(cum, cum[-1] * 0.5))
    return [
        f"originals x originals: {pair_stats(d_oo)}",
        f"originals x distractors: {pair_stats(d_od)}",
        f"distractors x distractors: {cum[-1]:,} pairs, min {nz[0]}, 0.1th pct {p}, "
        f"median {med}, <= 31: {cum[31]}, <= 48: {cum[48]}",
    ]
