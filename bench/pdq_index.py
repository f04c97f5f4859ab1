"""Benchmark the exact PDQ index against faiss brute force and Meta's threatexchange PDQIndex.

    .venv/bin/python bench/pdq_index.py --size 10000000 --queries 20000

Data: random 256-bit hashes plus clustered near-duplicates (10% of entries, clusters of 10,
each member 0-40 bits from its centre). Queries: half hits (a stored hash with 0-31 bits
flipped), half random misses. Every figure is printed in one rich table at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.perceptual.hashes import brute_force, to_hex

console = Console(width=170)
PROC = psutil.Process()


def rss_mb() -> float:
    gc.collect()
    return float(PROC.memory_info().rss) / 2**20


def flip_bits(rng: np.random.Generator, words: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Copies with an exact, uniformly chosen number of distinct bits in [lo, hi] flipped."""
    out = np.empty_like(words)
    step = 65_536
    for s in range(0, len(words), step):
        block = words[s : s + step]
        k = rng.integers(lo, hi + 1, len(block))
        ranks = np.argsort(rng.random((len(block), 256), dtype=np.float32), axis=1)
        mask = ranks < k[:, None]  # k distinct random positions per row
        packed = np.packbits(mask, axis=1).view(">u8").astype(np.uint64)
        out[s : s + step] = block ^ packed
    return out


def make_data(rng: np.random.Generator, n: int, progress: Progress) -> np.ndarray:
    task = progress.add_task("generate hashes", total=n)
    n_clustered = n // 10
    words = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    progress.update(task, completed=n - n_clustered)
    centres = words[: max(1, n_clustered // 10)].copy()  # clusters of ~10 near-duplicates
    members = centres[np.arange(n_clustered) % len(centres)]
    words[n - n_clustered :] = flip_bits(rng, members, 0, 40)
    progress.update(task, completed=n)
    return words


def make_queries(rng: np.random.Generator, words: np.ndarray, q: int) -> np.ndarray:
    hits = flip_bits(rng, words[rng.integers(0, len(words), q // 2)], 0, 31)
    misses = rng.integers(0, 2**64, size=(q - q // 2, 4), dtype=np.uint64)
    out = np.concatenate([hits, misses])
    return out[rng.permutation(len(out))]


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def truth(words: np.ndarray, queries: np.ndarray, t: int) -> list[set[tuple[int, int]]]:
    q, r, d = brute_force(words, queries, t)
    out: list[set[tuple[int, int]]] = [set() for _ in range(len(queries))]
    for qi, ri, di in zip(q.tolist(), r.tolist(), d.tolist(), strict=True):
        out[qi].add((ri, di))
    return out


def recall(found: list[set[tuple[int, int]]], expected: list[set[tuple[int, int]]]) -> float:
    total = sum(len(e) for e in expected)
    hit = sum(len(f & e) for f, e in zip(found, expected, strict=True))
    return hit / total if total else 1.0


def bench_ours(
    args: argparse.Namespace,
    words: np.ndarray,
    queries: np.ndarray,
    rows: list[list[str]],
    progress: Progress,
) -> None:
    n = len(words)
    refs = np.arange(n, dtype=np.int64)
    hexes = to_hex(queries)
    task = progress.add_task("ombuds: build", total=None)
    before = rss_mb()
    t0 = time.perf_counter()
    index = PDQIndex.build(words, refs, threads=args.threads)
    build_s = time.perf_counter() - t0
    mem = rss_mb() - before
    progress.update(task, description="ombuds: lookups")

    def add(name: str, value: str, note: str = "") -> None:
        rows.append(["ombuds MIH", f"{n:,}", name, value, note])

    add("build", f"{build_s:.1f} s", f"{index._table.bits if index._table else 0}-bit chunks")
    add("memory (RSS delta)", f"{mem:,.0f} MB", "hashes + refs + chunk tables")
    batch_s, results = timed(lambda: index.query_many(hexes, 31))
    add(
        "lookups/s, batched (query_many, t=31)",
        f"{len(hexes) / batch_s:,.0f}",
        f"{args.threads} threads, {len(hexes):,} queries, median of 3",
    )
    index._threads, saved_pool = 1, index._pool
    index._pool = None
    single_s, _ = timed(lambda: index.query_many(hexes, 31))
    index._threads, index._pool = args.threads, saved_pool
    add("lookups/s, batched, 1 thread", f"{len(hexes) / single_s:,.0f}")
    lat = []
    for h in hexes[: args.single]:
        t0 = time.perf_counter()
        index.query(h, 31)
        lat.append(time.perf_counter() - t0)
    lat_ms = np.array(lat) * 1e3
    add("lookups/s, one at a time (query)", f"{len(lat) / sum(lat):,.0f}", f"{len(lat):,} queries")
    add(
        "latency p50 / p99 (query)",
        f"{np.percentile(lat_ms, 50):.2f} / {np.percentile(lat_ms, 99):.2f} ms",
    )
    matched = sum(1 for r in results if r)
    add("queries with a match (t=31)", f"{matched:,} / {len(hexes):,}")

    progress.update(task, description="ombuds: recall vs brute force")
    sample = queries[: args.recall_queries]
    expected = truth(words, sample, 31)
    got = [{(m.ref, m.distance) for m in r} for r in results[: len(sample)]]
    add(
        "recall vs numpy brute force (t=31)",
        f"{recall(got, expected):.4f}",
        f"{len(sample)} queries, {sum(map(len, expected)):,} true matches",
    )

    progress.update(task, description="ombuds: thresholds")
    for t in args.thresholds:
        qs = hexes[: len(hexes) if t <= 32 else 200]  # wide thresholds are slow
        ts, res = timed(lambda t=t, qs=qs: index.query_many(qs, t), repeat=1)
        exp = truth(words, sample[:20], t)
        rc = recall([{(m.ref, m.distance) for m in r} for r in res[:20]], exp)
        add(f"lookups/s at threshold {t}", f"{len(qs) / ts:,.0f}", f"recall {rc:.3f} on 20 queries")

    progress.update(task, description="ombuds: incremental updates")
    rng = np.random.default_rng(99)
    new = rng.integers(0, 2**64, size=(1, 4), dtype=np.uint64)
    h = to_hex(new)[0]
    t0 = time.perf_counter()
    index.add(h, n + 1)
    visible = index.query(h, 0)
    add(
        "add -> visible to next query",
        f"{(time.perf_counter() - t0) * 1e3:.2f} ms",
        f"found: {bool(visible)}",
    )
    extra = rng.integers(0, 2**64, size=(index._tail_limit, 4), dtype=np.uint64)
    t0 = time.perf_counter()
    index.add_many(extra, np.arange(n + 2, n + 2 + len(extra)))
    add(
        "add_many that folds the tail into the table",
        f"{time.perf_counter() - t0:.2f} s",
        f"{len(extra):,} rows, no re-sort",
    )
    t0 = time.perf_counter()
    index.remove(n + 1)
    gone = not index.query(h, 0)
    add(
        "remove -> gone from next query",
        f"{(time.perf_counter() - t0) * 1e3:.1f} ms",
        f"gone: {gone}",
    )

    progress.update(task, description="ombuds: snapshot")
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        path = Path(tmp) / "pdq.snapshot"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        size = path.stat().st_size
        index = results = None  # let the big index go before measuring the load
        gc.collect()
        t0 = time.perf_counter()
        loaded = PDQIndex.load(path, threads=args.threads)
        load_s = time.perf_counter() - t0
        ok = loaded.query_many(hexes[:200]) is not None
    add(
        "snapshot save / load",
        f"{save_s:.1f} s / {load_s:.1f} s",
        f"{size / 2**20:,.0f} MB file; load rebuilds the table ({ok})",
    )
    loaded.close()
    del loaded
    progress.update(task, completed=1, total=1, description="ombuds: done")


def bench_faiss(
    args: argparse.Namespace,
    words: np.ndarray,
    queries: np.ndarray,
    rows: list[list[str]],
    progress: Progress,
) -> None:
    import faiss

    n = len(words)
    task = progress.add_task("faiss IndexBinaryFlat", total=None)
    before = rss_mb()
    t0 = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(words.astype(">u8").view(np.uint8).reshape(n, 32))
    build_s = time.perf_counter() - t0
    mem = rss_mb() - before
    qs = queries[: args.faiss_queries]
    qb = qs.astype(">u8").view(np.uint8).reshape(len(qs), 32)
    faiss.omp_set_num_threads(args.threads)
    ts, (lims, dist, ids) = timed(lambda: index.range_search(qb, 32), repeat=1)
    found = [
        {
            (int(i), int(d))
            for i, d in zip(ids[lims[k] : lims[k + 1]], dist[lims[k] : lims[k + 1]], strict=True)
        }
        for k in range(len(qs))
    ]
    rc = recall(found[: args.recall_queries], truth(words, qs[: args.recall_queries], 31))
    label = "faiss IndexBinaryFlat"
    rows.append([label, f"{n:,}", "build / memory", f"{build_s:.1f} s / {mem:,.0f} MB", ""])
    rows.append(
        [
            label,
            f"{n:,}",
            "lookups/s, batched range_search (t=31)",
            f"{len(qs) / ts:,.0f}",
            f"{args.threads} threads, {len(qs)} queries; recall {rc:.3f}",
        ]
    )
    index = None
    progress.update(task, completed=1, total=1)


def bench_threatexchange(
    args: argparse.Namespace,
    words: np.ndarray,
    queries: np.ndarray,
    rows: list[list[str]],
    progress: Progress,
) -> None:
    label = "threatexchange PDQIndex"
    try:
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex as TxPDQIndex
    except ImportError as exc:  # pragma: no cover - depends on the environment
        rows.append([label, "-", "not run", str(exc), ""])
        return
    n = min(len(words), args.tx_size)
    sub = (
        words[:n]
        if n == len(words)
        else words[np.random.default_rng(5).choice(len(words), n, replace=False)]
    )
    # Keep the cluster structure: the sample is uniform, so ~10% near-duplicates remain.
    task = progress.add_task(f"threatexchange PDQIndex at {n:,}", total=None)
    hexes = to_hex(sub)
    before = rss_mb()
    t0 = time.perf_counter()
    index = TxPDQIndex(entries=zip(hexes, range(n), strict=True))
    build_s = time.perf_counter() - t0
    mem = rss_mb() - before
    q_words = np.concatenate(
        [
            flip_bits(np.random.default_rng(6), sub[: len(queries) // 2], 0, 31),
            queries[len(queries) // 2 :],
        ]
    )
    q_hex = to_hex(q_words[: args.tx_queries])
    lat = []
    results = []
    for h in q_hex:
        t0 = time.perf_counter()
        results.append(index.query(h))
        lat.append(time.perf_counter() - t0)
    found = [{(m.metadata, m.similarity_info.distance) for m in r} for r in results]
    k = min(args.recall_queries, len(q_hex))
    rc = recall(found[:k], truth(sub, q_words[:k], 31))
    lat_ms = np.array(lat) * 1e3
    rows.append(
        [
            label,
            f"{n:,}",
            "build / memory",
            f"{build_s:.1f} s / {mem:,.0f} MB",
            "IndexBinaryMultiHash 16x16 via pytx",
        ]
    )
    rows.append(
        [
            label,
            f"{n:,}",
            "lookups/s, one at a time (t=31)",
            f"{len(lat) / sum(lat):,.0f}",
            f"{len(lat)} queries; p50/p99 {np.percentile(lat_ms, 50):.1f}"
            f"/{np.percentile(lat_ms, 99):.1f} ms; recall {rc:.3f}",
        ]
    )
    del index
    progress.update(task, completed=1, total=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=2_000, help="queries timed one at a time")
    parser.add_argument("--recall-queries", type=int, default=100)
    parser.add_argument("--thresholds", type=int, nargs="*", default=[0, 15, 31, 40, 63])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--faiss-queries", type=int, default=200)
    parser.add_argument(
        "--tx-size", type=int, default=None, help="threatexchange index size (default: --size)"
    )
    parser.add_argument("--tx-queries", type=int, default=500)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--tmp", default=None, help="directory for the snapshot file")
    args = parser.parse_args()
    if args.tx_size is None:
        args.tx_size = args.size

    rng = np.random.default_rng(2024)
    rows: list[list[str]] = []
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        words = make_data(rng, args.size, progress)
        queries = make_queries(rng, words, args.queries)
        bench_ours(args, words, queries, rows, progress)
        if not args.no_baselines:
            bench_faiss(args, words, queries, rows, progress)
            bench_threatexchange(args, words, queries, rows, progress)

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    table = Table(
        title=f"PDQ index, {args.size:,} hashes (10% clustered), threshold 31 unless stated"
    )
    for col in ("index", "size", "measure", "value", "notes"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"machine: {os.cpu_count()} cores, {cpu}, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; "
        f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    console.print(
        f"command: {' '.join([Path(sys.executable).name, *sys.argv])}; "
        f"total {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
