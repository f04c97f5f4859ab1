"""Exact-hash lookups (md5) against a bank of N entries: build, memory, lookups/s, snapshot.

    .venv/bin/python bench/exact_lookup.py [--entries 10000000] [--runs 5] [--json out.json]
    .venv/bin/python bench/exact_lookup.py --entries 100000     # smoke run, a few seconds

Seeded random md5 digests stand in for a bank (real md5s are as uniform). Single lookups go
through `ExactIndex.lookup(signal_type, hex)` one call at a time, as the inline tier does:
the figure includes the method call, hex parsing and validation, but not hashing content.
Hit-heavy is 90% hits, miss-heavy 1%. Rates are medians over --runs passes, interleaved with
the baseline (a Python set of 16-byte digests: `bytes.fromhex(v) in s` inside one function
call) so the noisy machine's drift shows in both. Rates are given per wall second and per
process CPU second (CPU time excludes time this process spent descheduled).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.matching.exact import ExactIndex

MIB = 1024 * 1024


def status_kib(key: str) -> int:
    """A memory figure of this process from /proc (VmRSS now, VmHWM peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def rate(self, count: int) -> tuple[float, float]:
        return count / statistics.median(self.wall), count / statistics.median(self.cpu)


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def mix(
    hits: list[str], misses: list[str], hit_share: float, rng: np.random.Generator
) -> list[str]:
    n = len(hits)
    k = int(n * hit_share)
    queries = hits[:k] + misses[: n - k]
    # Fresh string objects, allocated in the order they are used: an engine hashes content and
    # looks the hex up at once, so the string is hot in cache. Shuffled old strings would add
    # a cache miss per query that the inline path never pays.
    return [bytes.fromhex(queries[i]).hex() for i in rng.permutation(n)]


def loop(lookup: Callable[[str, str], object], queries: Sequence[str]) -> None:
    for value in queries:
        lookup("md5", value)


def latencies_ns(lookup: Callable[[str, str], object], queries: Sequence[str]) -> np.ndarray:
    clock = time.perf_counter_ns
    out = []
    for value in queries:
        t0 = clock()
        lookup("md5", value)
        out.append(clock() - t0)
    return np.array(out)


def measure(
    progress: Progress,
    args: argparse.Namespace,
    rng: np.random.Generator,
    digests: np.ndarray,
    refs: np.ndarray,
    hits: list[str],
    mixes: dict[str, list[str]],
    res: dict[str, object],
) -> None:
    """Everything but the streamed build; the index and baseline die when it returns."""
    n, q = args.entries, args.queries
    task = progress.add_task("building index", total=None)
    gc.collect()
    rss0 = status_kib("VmRSS")
    tracemalloc.start()  # numpy reports its buffers to tracemalloc; off again before timing
    index = ExactIndex()
    build_wall, build_cpu, _ = timed(
        lambda: (index.add_many("md5", digests, refs), index.lookup("md5", hits[0]))
    )
    traced_now, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    res["build_s"] = build_wall
    res["build_cpu_s"] = build_cpu
    res["index_rss_mib"] = (status_kib("VmRSS") - rss0) / 1024
    res["index_traced_mib"] = traced_now / MIB
    res["build_traced_peak_mib"] = traced_peak / MIB
    progress.update(task, completed=1, total=1)

    task = progress.add_task("building baseline set", total=None)
    rss0 = status_kib("VmRSS")
    base_wall, _, baseline = timed(lambda: digest_set(digests))
    gc.collect()
    res["baseline_build_s"] = base_wall
    res["baseline_rss_mib"] = (status_kib("VmRSS") - rss0) / 1024
    progress.update(task, completed=1, total=1)
    assert isinstance(baseline, set)
    fromhex = bytes.fromhex

    def base_lookup(signal_type: str, value: str) -> bool:
        return fromhex(value) in baseline

    lookup = index.lookup
    for queries in mixes.values():
        expected = sum(1 for v in queries if index.lookup("md5", v))
        assert expected == sum(1 for v in queries if base_lookup("md5", v))
    gc.freeze()  # what a long-running engine would do after loading

    single = {(who, m): Timing() for who in ("index", "baseline") for m in mixes}
    task = progress.add_task("single lookups", total=args.runs * 2 * len(mixes))
    for _ in range(args.runs):
        for m, queries in mixes.items():
            for who, fn in (("index", lookup), ("baseline", base_lookup)):
                wall, cpu, _ = timed(lambda fn=fn, queries=queries: loop(fn, queries))
                single[(who, m)].wall.append(wall)
                single[(who, m)].cpu.append(cpu)
                progress.advance(task)
    res["single"] = {
        f"{who} {m}": dict(zip(("wall_per_s", "cpu_per_s"), t.rate(q), strict=True))
        for (who, m), t in single.items()
    }

    task = progress.add_task("latency", total=len(mixes) * args.runs)
    empty = latencies_ns(lambda s, v: None, mixes["miss-heavy"])
    res["timer_overhead_ns_p50"] = float(np.percentile(empty, 50))
    lat: dict[str, object] = {}
    for m, queries in mixes.items():
        samples = []
        for _ in range(args.runs):
            samples.append(latencies_ns(lookup, queries))
            progress.advance(task)
        all_ns = np.concatenate(samples)
        lat[m] = {p: float(np.percentile(all_ns, float(p))) for p in ("50", "99", "99.9")}
    res["latency_ns"] = lat

    batched: dict[str, object] = {}
    task = progress.add_task("batched lookups", total=len(mixes) * args.runs * 2)
    for size in sorted({1_000, args.batch}):
        for m, queries in mixes.items():
            chunks = [queries[i : i + size] for i in range(0, len(queries), size)]
            t = Timing()
            for _ in range(args.runs):
                wall, cpu, _ = timed(
                    lambda chunks=chunks: [index.lookup_many("md5", c) for c in chunks]
                )
                t.wall.append(wall)
                t.cpu.append(cpu)
                progress.advance(task)
            batched[f"{m} x{size}"] = dict(
                zip(("wall_per_s", "cpu_per_s"), t.rate(len(queries)), strict=True)
            )
    res["batched"] = batched
    sample = mixes["hit-heavy"][:5000]
    assert index.lookup_many("md5", sample) == [index.lookup("md5", v) for v in sample]

    task = progress.add_task("incremental add", total=None)
    fresh = [rng.integers(0, 256, 16, dtype=np.uint8).tobytes().hex() for _ in range(2000)]
    add_ns = []
    for i, value in enumerate(fresh):
        t0 = time.perf_counter_ns()
        index.add("md5", value, n + 1 + i)
        found = index.lookup("md5", value)
        add_ns.append(time.perf_counter_ns() - t0)
        assert found == (n + 1 + i,)
    res["add_then_lookup_us"] = {
        "p50": float(np.percentile(add_ns, 50)) / 1000,
        "p99": float(np.percentile(add_ns, 99)) / 1000,
    }
    remove_wall, _, _ = timed(lambda: [index.remove("md5", v) for v in hits[:2000]])
    res["remove_us"] = remove_wall / 2000 * 1e6
    compact_wall, _, _ = timed(index.compact)
    res["compact_s"] = compact_wall  # folds the 2,000 adds and removals into a new base
    progress.update(task, completed=1, total=1)

    task = progress.add_task("snapshot", total=None)
    with tempfile.TemporaryDirectory(prefix="exact-bench-") as tmp:
        path = Path(tmp) / "md5.snapshot"
        res["save_s"], _, _ = timed(lambda: index.save(path))
        res["snapshot_mib"] = path.stat().st_size / MIB
        res["load_s"], _, loaded = timed(lambda: ExactIndex.load(path))
        assert isinstance(loaded, ExactIndex)
        assert loaded.lookup_many("md5", sample) == index.lookup_many("md5", sample)
        del loaded
    progress.update(task, completed=1, total=1)


def digest_set(digests: np.ndarray) -> set[bytes]:
    raw = digests.tobytes()
    return {raw[i : i + 16] for i in range(0, len(raw), 16)}


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--entries", type=int, default=10_000_000, help="bank size N")
    ap.add_argument("--queries", type=int, default=200_000, help="single lookups per pass")
    ap.add_argument("--batch", type=int, default=100_000, help="values per lookup_many call")
    ap.add_argument("--runs", type=int, default=5, help="passes per figure (median)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument(
        "--stream-batch",
        type=int,
        default=100_000,
        help="batch size of the streamed build (as engine/loading.py feeds add_many)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    console = Console()
    n, q = args.entries, args.queries
    rng = np.random.default_rng(args.seed)
    res: dict[str, object] = {
        "machine": machine(),
        "entries": n,
        "queries": q,
        "command": " ".join([".venv/bin/python", *sys.argv]),
    }

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("generating digests", total=None)
        digests = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        refs = np.arange(1, n + 1, dtype=np.int64)
        hits = [digests[i].tobytes().hex() for i in rng.integers(0, n, q)]
        misses = [rng.integers(0, 256, 16, dtype=np.uint8).tobytes().hex() for _ in range(q)]
        mixes = {
            "hit-heavy": mix(hits, misses, 0.9, rng),
            "miss-heavy": mix(hits, misses, 0.01, rng),
        }
        progress.update(task, completed=1, total=1)

        measure(progress, args, rng, digests, refs, hits, mixes, res)
        gc.collect()
        task = progress.add_task("streamed build", total=None)
        stream = ExactIndex()
        size = args.stream_batch

        def streamed() -> None:
            for i in range(0, n, size):
                stream.add_many("md5", digests[i : i + size], refs[i : i + size])
            stream.lookup("md5", hits[0])

        res["streamed_build_s"], _, _ = timed(streamed)
        res["peak_rss_mib"] = status_kib("VmHWM") / 1024
        progress.update(task, completed=1, total=1)

    report(console, res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return res


def report(console: Console, res: dict[str, object]) -> None:
    m = res["machine"]
    assert isinstance(m, dict)
    console.print(
        f"[bold]{res['entries']:,} md5 entries[/] · {m['cpu']} · nproc {m['nproc']} · "
        f"Python {m['python']} · numpy {m['numpy']}"
    )
    t = Table("figure", "value", title="Exact-hash lookups")
    t.add_row("build (add_many + first lookup)", f"{res['build_s']:.2f} s")
    t.add_row("build streamed in batches", f"{res['streamed_build_s']:.2f} s")
    t.add_row("index memory (RSS delta)", f"{res['index_rss_mib']:.0f} MiB")
    t.add_row(
        "index memory (tracemalloc, peak during build)",
        f"{res['index_traced_mib']:.0f} MiB ({res['build_traced_peak_mib']:.0f} MiB)",
    )
    single = res["single"]
    assert isinstance(single, dict)
    for name, r in single.items():
        t.add_row(
            f"single {name}",
            f"{r['wall_per_s'] / 1e6:.2f} M/s wall, {r['cpu_per_s'] / 1e6:.2f} M/s CPU",
        )
    lat = res["latency_ns"]
    assert isinstance(lat, dict)
    for name, p in lat.items():
        t.add_row(
            f"latency {name} p50 / p99 / p99.9",
            f"{p['50'] / 1e3:.2f} / {p['99'] / 1e3:.2f} / {p['99.9'] / 1e3:.2f} µs",
        )
    t.add_row("timer overhead p50 (in the latencies)", f"{res['timer_overhead_ns_p50']:.0f} ns")
    batched = res["batched"]
    assert isinstance(batched, dict)
    for name, r in batched.items():
        t.add_row(
            f"lookup_many {name}",
            f"{r['wall_per_s'] / 1e6:.2f} M/s wall, {r['cpu_per_s'] / 1e6:.2f} M/s CPU",
        )
    a = res["add_then_lookup_us"]
    assert isinstance(a, dict)
    t.add_row("add + next lookup p50 / p99", f"{a['p50']:.1f} / {a['p99']:.1f} µs")
    t.add_row("remove (base entry)", f"{res['remove_us']:.1f} µs")
    t.add_row("compact after 2,000 adds + 2,000 removes", f"{res['compact_s']:.2f} s")
    t.add_row("save snapshot / size", f"{res['save_s']:.2f} s / {res['snapshot_mib']:.0f} MiB")
    t.add_row("load snapshot", f"{res['load_s']:.2f} s")
    t.add_row(
        "baseline set: build / memory",
        f"{res['baseline_build_s']:.2f} s / {res['baseline_rss_mib']:.0f} MiB",
    )
    t.add_row("process peak RSS (VmHWM)", f"{res['peak_rss_mib']:.0f} MiB")
    console.print(t)


if __name__ == "__main__":
    main()
