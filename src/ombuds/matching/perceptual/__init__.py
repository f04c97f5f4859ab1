"""Exact perceptual index for PDQ hashes (Hamming distance within a per-lookup threshold).

`PDQIndex` returns every stored hash within the threshold, never an approximation; see
index.py for the structure and docs/benchmarks.md ("PDQ index") for measured costs.
"""

from ombuds.matching.perceptual.index import (
    DEFAULT_THRESHOLD,
    MultiIndexHashPDQIndex,
    PDQIndex,
    PerceptualMatch,
)

__all__ = ["DEFAULT_THRESHOLD", "MultiIndexHashPDQIndex", "PDQIndex", "PerceptualMatch"]
