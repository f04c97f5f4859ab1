"""Exact perceptual index for PDQ hashes (Hamming distance within a per-lookup threshold).

`PDQIndex` returns every stored hash within the threshold, never an approximation; see
index.py for the structure and docs/benchmarks.md ("PDQ index") for measured costs.
`export_rows`/`reconcile` let another process (a deferred worker) do the lookup against a
snapshot while the index keeps changing here.
"""

from ombuds.matching.perceptual.index import (
    DEFAULT_THRESHOLD,
    ExportMark,
    MultiIndexHashPDQIndex,
    PDQIndex,
    PerceptualMatch,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "ExportMark",
    "MultiIndexHashPDQIndex",
    "PDQIndex",
    "PerceptualMatch",
]
