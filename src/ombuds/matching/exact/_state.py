"""The sorted base of one signal type and the snapshot readers take of it.

* `rows`: (n, words + 1) uint64, one row per (digest, ref) pair, sorted by digest then ref.
  Digest words and ref sit side by side so a single lookup that hits reads one cache line
  rather than one per column.
* `directory`: for the top `k` bits of the first word, the first row of that bucket (a CSR
  offset array of 2**k + 1 entries, k = bit_length(n) + 1, so a bucket holds ~0.3 rows). A
  miss usually costs one read of it. There are no per-entry Python objects: 10M md5 entries
  take ~370 MB where a Python set of the bare digests takes ~900 MB.
* `overlay`: digest bytes -> sorted refs added since the last merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ombuds.matching.exact._codec import Rows

_MIN_DIR_BITS = 4
_MAX_DIR_BITS = 30


@dataclass(slots=True)
class State:
    rows: Rows
    directory: NDArray[np.unsignedinteger[Any]]
    shift: int
    overlay: dict[bytes, list[int]] = field(default_factory=dict)
    # Bumped whenever the overlay gains or loses a digest; lookup_many's sorted prefix cache
    # is valid only for the version it was built from (a reader may race a writer).
    overlay_version: int = 0
    overlay_cache: tuple[int, NDArray[np.uint64]] | None = None


def build_state(rows: Rows) -> State:
    """A state over canonical, live-only `rows`, with an empty overlay."""
    count = len(rows)
    bits = min(_MAX_DIR_BITS, max(_MIN_DIR_BITS, count.bit_length() + 1))
    shift = 64 - bits
    buckets = (rows[:, 0] >> np.uint64(shift)).astype(np.intp)
    # uint32 offsets halve the directory; only a base of 2**32 rows needs wider ones.
    directory: NDArray[np.unsignedinteger[Any]] = np.zeros(
        (1 << bits) + 1, dtype=np.uint32 if count < 2**32 else np.uint64
    )
    np.cumsum(np.bincount(buckets, minlength=1 << bits), out=directory[1:])
    return State(rows=rows, directory=directory, shift=shift)


def canonicalise(rows: Rows) -> Rows:
    """Rows sorted by first word -> sorted by (digest, ref) with duplicate pairs dropped.

    Only rows whose first word repeats need more than the prefix sort: the same digest in
    several banks, or (astronomically rarely for real hashes) a shared 64-bit prefix.
    """
    same = rows[1:, 0] == rows[:-1, 0]
    if not same.any():
        return rows
    member = np.zeros(len(rows), dtype=bool)
    member[1:] |= same
    member[:-1] |= same
    where = np.flatnonzero(member)
    tied = rows[where]
    tied = tied[np.lexsort(tied.T[::-1])]  # lexsort's last key is primary: word 0 first
    rows[where] = tied
    duplicate = np.all(tied[1:] == tied[:-1], axis=1)
    if duplicate.any():
        keep = np.ones(len(rows), dtype=bool)
        keep[where[1:][duplicate]] = False
        rows = rows[keep]
    return rows


def sort_rows(rows: Rows) -> Rows:
    return canonicalise(rows[np.argsort(rows[:, 0], kind="stable")])


def merge_sorted(base: Rows, new: Rows) -> Rows:
    """Two canonical row sets as one: a single O(n) insert, then only ties re-sorted."""
    if not len(base):
        return new
    if not len(new):
        return base
    at = np.searchsorted(base[:, 0], new[:, 0])
    return canonicalise(np.insert(base, at, new, axis=0))
