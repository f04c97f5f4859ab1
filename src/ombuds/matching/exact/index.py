"""ExactIndex: (signal type, digest) -> refs of bank entries, for signal types of
IndexKind.EXACT.

Input rules (the same for every method that takes hex):

* A value is exactly 2 x width hex characters: 32 for md5, 64 for sha256. Either case is
  accepted, since the index compares digest bytes; surrounding whitespace, `0x` prefixes or
  any other length raise SignalFormatError with field "signal_str". Canonicalising user input
  is the signal type's `parse()`, not the index's.
* Widths of md5 and sha256 are built in; other types get theirs from `widths=` or from their
  first `add`/`add_many`. A lookup of a type the index has never seen returns () (after the
  format check when the width is known).
* Refs are store primary keys: ints in [0, 2**63). Each (digest, ref) pair is held once;
  adding it again does nothing. Refs come back in ascending order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ombuds.errors import ConfigError, SignalFormatError
from ombuds.matching.exact import _snapshot
from ombuds.matching.exact._codec import (
    MAX_DIGEST_BYTES,
    TOMBSTONE,
    Layout,
    layout,
    parse_many,
    parse_one,
    to_words,
)
from ombuds.matching.exact._state import canonicalise
from ombuds.matching.exact._table import ExactTable, Lookup

BUILTIN_WIDTHS: Mapping[str, int] = {"md5": 16, "sha256": 32}


def _check_ref(ref: int) -> None:
    if isinstance(ref, bool) or not isinstance(ref, int) or not 0 <= ref < TOMBSTONE:
        raise ValueError(f"ref must be an int in [0, 2**63), got {ref!r}")


class ExactIndex:
    """Maps (signal_type, digest) -> bank entry refs (ints = store primary keys).

    Lookups may run in several threads while one thread writes; writers must be serialised
    by the caller. `compact_after` bounds the incremental overlay (and removed rows) before
    they are folded into the sorted base; larger bases allow proportionally more.
    """

    def __init__(
        self, *, widths: Mapping[str, int] | None = None, compact_after: int = 65_536
    ) -> None:
        self._layouts: dict[str, Layout] = {}
        for name, nbytes in {**BUILTIN_WIDTHS, **(widths or {})}.items():
            self._layouts[name] = layout(name, nbytes)
        self._tables: dict[str, ExactTable] = {}
        self._lookups: dict[str, Lookup] = {}  # each table's current single-lookup closure
        self._compact_after = compact_after

    # -- reads -----------------------------------------------------------------------------

    def lookup(self, signal_type: str, value: str) -> tuple[int, ...]:
        """Refs of entries whose digest equals `value`; () when there are none."""
        lookup = self._lookups.get(signal_type)
        if lookup is None:
            lay = self._layouts.get(signal_type)
            if lay is not None:
                parse_one(lay, value)
            return ()
        return lookup(value)

    def lookup_many(self, signal_type: str, values: Sequence[str]) -> list[tuple[int, ...]]:
        """`[lookup(signal_type, v) for v in values]`, vectorised. A malformed value raises
        SignalFormatError naming its position, and nothing is returned."""
        table = self._tables.get(signal_type)
        if table is None:
            lay = self._layouts.get(signal_type)
            if lay is not None:
                parse_many(lay, values)
            return [()] * len(values)
        return table.lookup_many(values)

    def __len__(self) -> int:
        return sum(len(table) for table in self._tables.values())

    def count(self, signal_type: str) -> int:
        table = self._tables.get(signal_type)
        return 0 if table is None else len(table)

    def signal_types(self) -> list[str]:
        """Signal types that hold at least one entry."""
        return sorted(name for name, table in self._tables.items() if len(table))

    # -- writes ----------------------------------------------------------------------------

    def add(self, signal_type: str, value: str, ref: int) -> None:
        """Add one entry; the next lookup sees it (no rebuild)."""
        _check_ref(ref)
        lay = self._layouts.get(signal_type) or layout(
            signal_type, self._width_of(signal_type, value)
        )
        digest, parts = parse_one(lay, value)
        self._table(lay).add(digest, parts, ref)

    def add_many(
        self, signal_type: str, digests: NDArray[np.uint8], refs: NDArray[np.int64]
    ) -> None:
        """Bulk add: `digests` (N, width) uint8, `refs` (N,) int64, no per-entry Python work.

        Chunks are queued and merged with one sort at the next read or write of the type, so
        streaming a bank in batches costs the same as one call."""
        digests = np.asarray(digests)
        refs = np.asarray(refs)
        if digests.dtype != np.uint8 or digests.ndim != 2:
            raise ValueError(
                f"digests must be a 2-D uint8 array, got {digests.dtype}{digests.shape}"
            )
        if refs.shape != (len(digests),) or refs.dtype.kind not in "iu":
            raise ValueError(
                f"refs must be ({len(digests)},) integers, got {refs.dtype}{refs.shape}"
            )
        if len(refs) and (int(refs.min()) < 0 or int(refs.max()) >= TOMBSTONE):
            raise ValueError("refs must be in [0, 2**63)")
        lay = self._layouts.get(signal_type)
        if lay is None:
            lay = layout(signal_type, digests.shape[1])
        if digests.shape[1] != lay.nbytes:
            raise ValueError(
                f"{signal_type} digests are {lay.nbytes} bytes, got {digests.shape[1]}-byte rows"
            )
        if not len(digests):
            return
        rows = np.empty((len(digests), lay.stride), dtype=np.uint64)
        rows[:, : lay.words] = to_words(lay, digests)
        rows[:, lay.words] = refs
        self._table(lay).stage(rows)

    def remove(self, signal_type: str, value: str, ref: int | None = None) -> bool:
        """Remove the entry (digest, ref), or every entry of the digest when `ref` is None.
        True when something was removed."""
        lay = self._layouts.get(signal_type)
        if lay is None:
            return False
        digest, parts = parse_one(lay, value)
        table = self._tables.get(signal_type)
        return False if table is None else table.remove(digest, parts, ref)

    def compact(self) -> None:
        """Fold incremental adds and removals into the sorted base now (save() does this)."""
        for table in self._tables.values():
            table.compact()

    # -- snapshot --------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write a snapshot atomically (temporary file, fsync, rename)."""
        self.compact()
        _snapshot.write(
            Path(path),
            {name: (t.layout.nbytes, t.rows) for name, t in self._tables.items() if len(t)},
        )

    @classmethod
    def load(cls, path: Path, *, compact_after: int = 65_536) -> ExactIndex:
        """Read a snapshot written by save(); ConfigError naming the file if it is unusable."""
        index = cls(compact_after=compact_after)
        for name, (nbytes, rows) in _snapshot.read(Path(path)).items():
            lay = index._layouts.get(name) or layout(name, nbytes)
            if lay.nbytes != nbytes:
                raise ConfigError(
                    f"corrupt exact-index snapshot: {name} digests are {nbytes} bytes, "
                    f"Ombuds expects {lay.nbytes}",
                    file=str(path),
                )
            index._layouts[name] = lay
            # The order of refs within one digest is not checked on read; re-deriving it is
            # cheap when, as usual, few digests repeat.
            index._tables[name] = ExactTable(
                lay,
                canonicalise(rows),
                compact_after=compact_after,
                publish=partial(index._lookups.__setitem__, name),
            )
        return index

    # -- internals -------------------------------------------------------------------------

    def _width_of(self, signal_type: str, value: str) -> int:
        lay = self._layouts.get(signal_type)
        if lay is not None:
            return lay.nbytes
        # A type with no declared width takes it from its first value.
        if (
            not isinstance(value, str)
            or not value
            or len(value) % 2
            or (len(value) > 2 * MAX_DIGEST_BYTES)
        ):
            raise SignalFormatError(
                f"malformed {signal_type}: expected an even number of hex characters "
                f"(at most {2 * MAX_DIGEST_BYTES}), got {value!r:.90}",
                field="signal_str",
            )
        return len(value) // 2

    def _table(self, lay: Layout) -> ExactTable:
        table = self._tables.get(lay.signal_type)
        if table is None:
            self._layouts[lay.signal_type] = lay
            table = ExactTable(
                lay,
                compact_after=self._compact_after,
                publish=partial(self._lookups.__setitem__, lay.signal_type),
            )
            self._tables[lay.signal_type] = table
        return table
