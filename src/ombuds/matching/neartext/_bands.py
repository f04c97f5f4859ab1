"""LSH banding over MinHash signatures, with sorted numpy arrays instead of hash tables.

A signature of 128 values is cut into `bands` bands of `rows` values; each band hashes to a
64-bit key (a linear combination mod 2^64 with fixed odd constants, distinct per band). Keys
of all bands of all rows live in one sorted array, so the candidates of a query are found
with one `searchsorted` per band key: 12 bytes per band per signature, no Python objects.

Exactness: two signatures equal in at least `NUM_PERM - bands + 1` positions differ in at
most `bands - 1`, so (pigeonhole) at least one band is identical and the pair is always a
candidate. A threshold at or above `exact_floor(bands)` therefore misses nothing; a key
collision only adds a candidate, which verification drops.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

Signatures = npt.NDArray[np.uint32]


def exact_floor(num_perm: int, bands: int) -> float:
    """The lowest similarity at which banding is guaranteed to find every match."""
    return (num_perm - bands + 1) / num_perm


def _constants(bands: int, rows: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    digest = hashlib.shake_256(f"ombuds-neartext-bands:{bands}x{rows}".encode()).digest(
        8 * bands * (rows + 1)
    )
    words = np.frombuffer(digest, dtype="<u8").astype(np.uint64).reshape(bands, rows + 1)
    return words[:, :rows] | np.uint64(1), words[:, rows].copy()


class BandKeys:
    """Computes the (n, bands) band keys of signatures."""

    def __init__(self, num_perm: int, bands: int) -> None:
        if bands < 1 or num_perm % bands:
            raise ValueError(f"bands must divide {num_perm}, got {bands}")
        self.bands = bands
        self.rows = num_perm // bands
        self._mul, self._add = _constants(bands, self.rows)

    def keys(self, signatures: Signatures) -> npt.NDArray[np.uint64]:
        n = len(signatures)
        values = signatures.reshape(n, self.bands, self.rows).astype(np.uint64)
        # Array arithmetic on uint64 wraps modulo 2^64 without a warning, as intended.
        keys: npt.NDArray[np.uint64] = (values * self._mul[None]).sum(axis=2, dtype=np.uint64)
        return keys + self._add[None]


class BandTable:
    """Sorted (key, row) pairs over rows [start, end) of a signature store."""

    def __init__(self, band_keys: BandKeys, start: int = 0) -> None:
        self._bk = band_keys
        self.keys: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        self.rows: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self.start = self.end = start

    @classmethod
    def build(cls, band_keys: BandKeys, signatures: Signatures) -> BandTable:
        table = cls(band_keys)
        table.extend(signatures, 0)
        return table

    def extend(self, signatures: Signatures, first_row: int) -> None:
        """Add rows [first_row, first_row + len(signatures)); first_row must equal end."""
        if first_row != self.end:
            raise ValueError("band table rows must be added in order")
        n = len(signatures)
        if n == 0:
            return
        new_keys = self._bk.keys(signatures).reshape(-1)
        new_rows = np.repeat(np.arange(first_row, first_row + n, dtype=np.int32), self._bk.bands)
        keys = np.concatenate([self.keys, new_keys])
        rows = np.concatenate([self.rows, new_rows])
        order = np.argsort(keys, kind="stable")
        self.keys, self.rows = keys[order], rows[order]
        self.end += n

    def candidates(self, query: Signatures) -> npt.NDArray[np.int32]:
        """Rows sharing at least one band with the (1, num_perm) query, unique, sorted."""
        qkeys = self._bk.keys(query).reshape(-1)
        lo = np.searchsorted(self.keys, qkeys, side="left")
        hi = np.searchsorted(self.keys, qkeys, side="right")
        hits = [self.rows[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
        if not hits:
            return np.zeros(0, dtype=np.int32)
        return np.unique(np.concatenate(hits))

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.rows.nbytes)
