"""lookup_many: the whole batch parsed with one `fromhex` and searched with numpy."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from ombuds.matching.exact._codec import (
    TOMBSTONE,
    Layout,
    Rows,
    parse_many,
    to_bytes,
    to_words,
)
from ombuds.matching.exact._state import State

_EMPTY: tuple[int, ...] = ()
# Buckets up to this many rows are scanned; larger ones (skewed, non-hash data) are bisected.
_SCAN_LIMIT = 8


def lookup_many(lay: Layout, state: State, values: Sequence[str]) -> list[tuple[int, ...]]:
    queries = parse_many(lay, values)
    out: list[tuple[int, ...]] = [_EMPTY] * len(queries)
    query_ix, refs = _search(lay, state, queries)
    if query_ix.size:
        _fill(out, query_ix, refs)
    if state.overlay:
        _fill_overlay(lay, state, out, queries)
    return out


def _bound(
    prefix: NDArray[np.uint64],
    keys: NDArray[np.uint64],
    lo: NDArray[np.intp],
    hi: NDArray[np.intp],
    *,
    right: bool,
) -> NDArray[np.intp]:
    """Binary search of each key within its own row range [lo, hi), all keys at once.

    Ranges are directory buckets, so this takes ~1-2 rounds on hash-like data and at most
    log2(n) on skewed data.
    """
    lo = lo.copy()
    hi = hi.copy()
    active = np.flatnonzero(lo < hi)
    while active.size:
        mid = (lo[active] + hi[active]) >> 1
        found = prefix[mid]
        key = keys[active]
        go_right = (found <= key) if right else (found < key)
        lo[active[go_right]] = mid[go_right] + 1
        hi[active[~go_right]] = mid[~go_right]
        active = active[lo[active] < hi[active]]
    return lo


def _search(lay: Layout, state: State, queries: Rows) -> tuple[NDArray[np.intp], Rows]:
    """(query index, ref) for every live base row equal to a query; a query's refs are
    adjacent and ascending."""
    words, rows = lay.words, state.rows
    keys = queries[:, 0]
    bucket = (keys >> np.uint64(state.shift)).astype(np.intp)
    lo = state.directory[bucket].astype(np.intp)
    size = state.directory[bucket + 1].astype(np.intp) - lo
    cand = np.flatnonzero(size)
    small = size[cand] <= _SCAN_LIMIT
    hits_q: list[NDArray[np.intp]] = []
    hits_ref: list[Rows] = []
    # Hash-like data leaves every bucket small: look at offset 0, 1, ... of each query's
    # bucket, one gather of first words per round, dropping queries once past their key.
    # Only rows whose first word matches have their other words and ref gathered.
    cols = [rows[:, j] for j in range(lay.stride)]
    act = cand[small]
    pos, end = lo[act], lo[act] + size[act]
    while act.size:
        first, key = cols[0][pos], keys[act]
        eq = np.flatnonzero(first == key)
        if eq.size:
            q_eq, row_eq = act[eq], pos[eq]
            ok = cols[words][row_eq] < np.uint64(TOMBSTONE)
            for j in range(1, words):
                ok &= cols[j][row_eq] == queries[q_eq, j]
            hits_q.append(q_eq[ok])
            hits_ref.append(cols[words][row_eq[ok]])
        pos = pos + 1
        more = (pos < end) & (first <= key)
        act, pos, end = act[more], pos[more], end[more]
    big = cand[~small]
    if big.size:  # skewed data: bisect large buckets instead of scanning them
        _search_large(lay, rows, queries, big, lo[big], lo[big] + size[big], hits_q, hits_ref)
    if not hits_q:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.uint64)
    query_ix, refs = np.concatenate(hits_q), np.concatenate(hits_ref)
    if len(query_ix) > 1 and np.bincount(query_ix).max() > 1:
        # Several refs for one digest: group them. Rounds emit a digest's refs in row order
        # (ascending), and a stable sort keeps that order.
        order = np.argsort(query_ix, kind="stable")
        query_ix, refs = query_ix[order], refs[order]
    return query_ix, refs


def _search_large(
    lay: Layout,
    rows: Rows,
    queries: Rows,
    cand: NDArray[np.intp],
    lo: NDArray[np.intp],
    hi: NDArray[np.intp],
    hits_q: list[NDArray[np.intp]],
    hits_ref: list[Rows],
) -> None:
    words, keys, prefix = lay.words, queries[cand, 0], rows[:, 0]
    start = _bound(prefix, keys, lo, hi, right=False)
    stop = _bound(prefix, keys, start, hi, right=True)
    counts = stop - start
    # Expand each query's run [start, stop) into one flat list of row numbers.
    row_ix = np.repeat(start - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    query_ix = np.repeat(cand, counts)
    found = rows[row_ix]
    ok = np.all(found[:, :words] == queries[query_ix], axis=1)
    ok &= found[:, words] < np.uint64(TOMBSTONE)
    hits_q.append(query_ix[ok])
    hits_ref.append(found[ok, words])


def _fill(out: list[tuple[int, ...]], query_ix: NDArray[np.intp], refs: Rows) -> None:
    ix, values = query_ix.tolist(), refs.tolist()
    grouped = len(ix) > 1 and bool(np.any(query_ix[1:] == query_ix[:-1]))
    if not grouped:
        # One ref per query, the usual case: zip() makes the 1-tuples and map() stores them
        # without a Python-level loop.
        deque(map(out.__setitem__, ix, zip(values)), maxlen=0)
        return
    starts = [0, *(np.flatnonzero(query_ix[1:] != query_ix[:-1]) + 1).tolist(), len(ix)]
    for a, b in pairwise(starts):
        out[ix[a]] = tuple(values[a:b])


def _fill_overlay(lay: Layout, state: State, out: list[tuple[int, ...]], queries: Rows) -> None:
    """Merge overlay refs in; only queries whose first word is an overlay key touch Python."""
    version, cache = state.overlay_version, state.overlay_cache
    if cache is None or cache[0] != version:
        digests = b"".join(list(state.overlay))
        flat = np.frombuffer(digests, dtype=np.uint8).reshape(-1, lay.nbytes)
        cache = (version, np.unique(to_words(lay, flat)[:, 0]))
        state.overlay_cache = cache
    known = cache[1]
    if not len(known):
        return
    at = np.minimum(np.searchsorted(known, queries[:, 0]), len(known) - 1)
    for q in np.flatnonzero(known[at] == queries[:, 0]).tolist():
        extra = state.overlay.get(to_bytes(lay, queries[q]))
        if extra:
            out[q] = tuple(sorted(out[q] + tuple(extra))) if out[q] else tuple(extra)
