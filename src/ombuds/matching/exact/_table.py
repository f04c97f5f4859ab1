"""All entries of one exact signal type: the sorted base (see `_state`), incremental writes,
and the single-lookup hot path.

Writes:
* `add` puts the pair in the overlay dict: O(1), visible to the next lookup.
* `remove` of a base row sets bit 63 of its ref (a tombstone) in place.
* `stage` (add_many) only queues the chunk; the next read or write merges every queued chunk
  with one sort. Loaders stream 100k-row batches, and merging each on arrival would copy the
  whole base per batch.
* Overlay and tombstones are folded into a new base once they outgrow `compact_after` (or
  1/64 of the base for the overlay, 1/8 for tombstones).

Readers use one `State`; writers replace it with a single assignment, so a lookup running
beside a merge sees the old or the new state, never a mix. All mutation, including the merge a
reader may trigger after `stage`, happens under one lock; single lookups never take it.
"""

from __future__ import annotations

import bisect
import struct
import threading
from collections.abc import Callable, Sequence

import numpy as np

from ombuds.matching.exact import _batch
from ombuds.matching.exact._codec import TOMBSTONE, Layout, Rows, malformed, to_words
from ombuds.matching.exact._state import State, build_state, merge_sorted, sort_rows

Lookup = Callable[[str], tuple[int, ...]]
_EMPTY: tuple[int, ...] = ()


class ExactTable:
    lookup: Lookup  # replaced, never mutated, when the base is rebuilt or chunks are queued

    def __init__(
        self,
        lay: Layout,
        rows: Rows | None = None,
        *,
        compact_after: int,
        publish: Callable[[Lookup], None] | None = None,
    ) -> None:
        self.layout = lay
        # Tells the owner each new `lookup`, so it can call the closure without going through
        # this object: one attribute read and call less on the inline path.
        self._publish = publish
        self.compact_after = compact_after
        self._lock = threading.RLock()
        self._pending: list[Rows] = []
        # True from stage() until the merge that takes the chunks is installed: `_pending`
        # alone is emptied when a merge starts, and readers must wait for it to finish.
        self._stale = False
        self._install(np.empty((0, lay.stride), dtype=np.uint64) if rows is None else rows)

    def _install(self, rows: Rows) -> None:
        state = build_state(np.ascontiguousarray(rows))
        self.base_live = len(rows)
        self.dead = 0
        self.overlay_pairs = 0
        self._set_lookup(_make_lookup(self.layout, state))
        self._state = state
        self._stale = False

    def flush(self) -> None:
        """Merge queued bulk chunks, if any, or wait for the merge already taking them."""
        if self._stale:
            with self._lock:
                if self._stale:
                    self.compact()

    @property
    def rows(self) -> Rows:
        self.flush()
        return self._state.rows

    def __len__(self) -> int:
        self.flush()
        return self.base_live + self.overlay_pairs

    def lookup_many(self, values: Sequence[str]) -> list[tuple[int, ...]]:
        self.flush()
        return _batch.lookup_many(self.layout, self._state, values)

    # -- writes ----------------------------------------------------------------------------

    def stage(self, rows: Rows) -> None:
        """Queue (n, stride) rows, unsorted and possibly duplicated, for the next merge."""
        with self._lock:
            self._pending.append(rows)
            self._stale = True
            self._set_lookup(self._lookup_after_flush)

    def _set_lookup(self, lookup: Lookup) -> None:
        self.lookup = lookup
        if self._publish is not None:
            self._publish(lookup)

    def _lookup_after_flush(self, value: str) -> tuple[int, ...]:
        self.flush()
        return self.lookup(value)

    def add(self, digest: bytes, parts: tuple[int, ...], ref: int) -> None:
        """Add a parsed digest (bytes and words, see `parse_one`)."""
        self.flush()
        with self._lock:
            state, words = self._state, self.layout.words
            for i in self._positions(state, parts):
                stored = int(state.rows[i, words])
                if stored == ref:
                    return
                if stored == ref | TOMBSTONE:  # re-adding a removed base entry revives it
                    state.rows[i, words] = ref
                    self.dead -= 1
                    self.base_live += 1
                    return
            refs = state.overlay.get(digest)
            if refs is None:
                state.overlay[digest] = [ref]
                state.overlay_version += 1
            elif ref in refs:
                return
            else:
                bisect.insort(refs, ref)
            self.overlay_pairs += 1
            self._maybe_compact()

    def remove(self, digest: bytes, parts: tuple[int, ...], ref: int | None) -> bool:
        self.flush()
        with self._lock:
            state, words = self._state, self.layout.words
            removed = 0
            for i in self._positions(state, parts):
                stored = int(state.rows[i, words])
                if stored < TOMBSTONE and (ref is None or stored == ref):
                    state.rows[i, words] = stored | TOMBSTONE
                    removed += 1
            self.base_live -= removed
            self.dead += removed
            refs = state.overlay.get(digest, [])
            gone = len(refs) if ref is None else int(ref in refs)
            if gone and gone == len(refs):
                del state.overlay[digest]
                state.overlay_version += 1
            elif gone and ref is not None:
                refs.remove(ref)
            self.overlay_pairs -= gone
            self._maybe_compact()
            return removed + gone > 0

    def _positions(self, state: State, parts: tuple[int, ...]) -> list[int]:
        """Base rows (live or removed) holding this digest."""
        bucket = parts[0] >> state.shift
        lo, hi = int(state.directory[bucket]), int(state.directory[bucket + 1])
        block = state.rows[lo:hi, : self.layout.words].tolist()
        target = list(parts)
        return [lo + n for n, row in enumerate(block) if row == target]

    def _maybe_compact(self) -> None:
        size = len(self._state.rows)
        if self.overlay_pairs > max(self.compact_after, size >> 6) or self.dead > max(
            self.compact_after, size >> 3
        ):
            self.compact()

    def compact(self) -> None:
        """Fold queued chunks, the overlay and tombstones into a new canonical base."""
        with self._lock:
            state, lay = self._state, self.layout
            base = state.rows
            if self.dead:
                base = base[base[:, lay.words] < np.uint64(TOMBSTONE)]
            pending, self._pending = self._pending, []
            if state.overlay:
                pending.append(_overlay_rows(lay, state))
            if not pending and not self.dead and not self._stale:
                return
            new = np.concatenate(pending) if len(pending) > 1 else pending[0] if pending else None
            del pending  # let the chunks go before the sort allocates its copies
            self._install(base if new is None else merge_sorted(base, sort_rows(new)))


def _overlay_rows(lay: Layout, state: State) -> Rows:
    items = list(state.overlay.items())
    digests = b"".join(digest for digest, refs in items for _ in refs)
    flat = np.frombuffer(digests, dtype=np.uint8).reshape(-1, lay.nbytes)
    rows = np.empty((len(flat), lay.stride), dtype=np.uint64)
    rows[:, : lay.words] = to_words(lay, flat)
    rows[:, lay.words] = [ref for _, refs in items for ref in refs]
    return rows


def _make_lookup(lay: Layout, state: State) -> Lookup:
    """The single-lookup hot path as a closure: closure variables are the cheapest reads in
    CPython, and this path is the inline tier's budget (docs/benchmarks.md)."""
    hexlen, unpack, pad, words, stride = lay.hexlen, lay.unpack, lay.pad, lay.words, lay.stride
    dmv = state.directory.data  # memoryview items are plain ints: cheaper than numpy scalars
    rmv = state.rows.reshape(-1).data
    shift, overlay, fromhex = state.shift, state.overlay, bytes.fromhex

    def finish(found: tuple[int, ...], digest: bytes) -> tuple[int, ...]:
        extra = overlay.get(digest)
        if not extra:
            return found
        return tuple(sorted(found + tuple(extra))) if found else tuple(extra)

    if words == 2 and not pad:  # md5: both words unpack straight into locals

        def lookup(value: str) -> tuple[int, ...]:
            if len(value) != hexlen:
                raise malformed(lay, value)
            try:
                digest = fromhex(value)
                h, s = unpack(digest)
            except (ValueError, struct.error):  # struct.error: whitespace made it short
                raise malformed(lay, value) from None
            bucket = h >> shift
            i = dmv[bucket]
            end = dmv[bucket + 1]
            found = _EMPTY
            if i != end:
                i *= 3
                end *= 3
                while i < end:
                    p = rmv[i]
                    if p == h:
                        ref = rmv[i + 2]
                        if rmv[i + 1] == s and ref < TOMBSTONE:
                            found += (ref,)
                    elif p > h:
                        break
                    i += 3
            return finish(found, digest) if overlay else found

        return lookup

    def lookup_any(value: str) -> tuple[int, ...]:
        if len(value) != hexlen:
            raise malformed(lay, value)
        try:
            digest = fromhex(value)
            parts = unpack(digest + pad)
        except (ValueError, struct.error):
            raise malformed(lay, value) from None
        h = parts[0]
        bucket = h >> shift
        i = dmv[bucket] * stride
        end = dmv[bucket + 1] * stride
        found = _EMPTY
        while i < end:
            p = rmv[i]
            if p == h:
                ref = rmv[i + words]
                if ref < TOMBSTONE and tuple(rmv[i : i + words]) == parts:
                    found += (ref,)
            elif p > h:
                break
            i += stride
        return finish(found, digest) if overlay else found

    return lookup_any
