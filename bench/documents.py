"""Benchmark document text extraction, MinHash fingerprints and the near-duplicate index.

    .venv/bin/python bench/documents.py             # ~3 minutes
    .venv/bin/python bench/documents.py --quick     # smoke run

1. Extraction: documents/s per format (PDF written by hand, DOCX by python-docx, HTML, plain
   text) for generated 5-page documents of ~3,300 words; median of `--passes` passes.
2. MinHash: fingerprints/s of the extracted texts (normalize + shingles + datasketch).
3. Index: NearTextIndex over `--size` signatures (random, as unrelated documents' are, plus
   near-duplicate clusters): bulk build, incremental adds, queries/s and latency at
   threshold 0.8 (band table) and 0.5 (brute force), checked equal to brute force.
4. Matching quality: `--bank` real documents are fingerprinted and banked; their variants
   (a few words changed, a re-save in another format, a replaced title page, a heavy edit)
   and as many unrelated documents are queried. Recall per variant kind and precision, at
   several thresholds.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.extraction.documents import extract_text
from ombuds.matching.neartext import NearTextIndex
from ombuds.matching.signals.minhash import fingerprint_text, to_hex
from ombuds.testing import documents as s

console = Console(width=150)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def document_pages(seed: int) -> list[str]:
    body = s.paragraphs(seed, 8, words_each=400)
    title = f"Report {seed}\n" + " ".join(s.words(seed + 10**9, 12))
    return [title] + ["\n".join(body[i : i + 2]) for i in range(0, 8, 2)]


WRITERS: dict[str, Callable[[list[str]], bytes]] = {
    "pdf": s.make_pdf,
    "pdf (deflate)": lambda pages: s.make_pdf(pages, compress=True),
    "docx": s.make_docx,
    "html": s.make_html,
    "text": lambda pages: "\n\n".join(pages).encode(),
}


def bench_extraction(n: int, passes: int, progress: Progress) -> tuple[list[list[str]], Table]:
    table = Table(title=f"Extraction and MinHash ({n} documents of 5 pages per format)")
    for col in ("format", "KiB/doc", "chars/doc", "extract docs/s", "MinHash/s", "both docs/s"):
        table.add_column(col, justify="right" if col != "format" else "left")
    docs = [document_pages(seed) for seed in range(n)]
    task = progress.add_task("extraction", total=len(WRITERS) * passes)
    for fmt, write in WRITERS.items():
        blobs = [write(pages) for pages in docs]
        texts: list[str] = []
        rates, mh_rates = [], []
        for _ in range(passes):
            t0 = time.perf_counter()
            texts = [extract_text(b).text for b in blobs]
            t1 = time.perf_counter()
            for text in texts:
                fingerprint_text(text)
            t2 = time.perf_counter()
            rates.append(n / (t1 - t0))
            mh_rates.append(n / (t2 - t1))
            progress.advance(task)
        ex, mh = statistics.median(rates), statistics.median(mh_rates)
        table.add_row(
            fmt,
            f"{statistics.mean(len(b) for b in blobs) / 1024:.1f}",
            f"{statistics.mean(len(t) for t in texts):,.0f}",
            f"{ex:,.0f}",
            f"{mh:,.0f}",
            f"{1 / (1 / ex + 1 / mh):,.0f}",
        )
    return docs, table


def bench_index(size: int, queries: int, progress: Progress) -> Table:
    rng = np.random.default_rng(20240601)
    sigs = rng.integers(0, 2**32, size=(size, 128), dtype=np.uint32)
    # 10 % of entries in clusters of 10 near-duplicates (0-40 of 128 values changed).
    clustered = size // 10
    for start in range(size - clustered, size, 10):
        centre = sigs[start]
        for j in range(start + 1, min(start + 10, size)):
            changed = rng.choice(128, size=int(rng.integers(0, 41)), replace=False)
            sigs[j] = centre
            sigs[j, changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint32)
    refs = np.arange(size, dtype=np.int64)
    table = Table(title=f"NearTextIndex, {size:,} signatures")
    table.add_column("measure")
    table.add_column("value", justify="right")

    task = progress.add_task("index build", total=3)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        index = NearTextIndex()
        index.add_signatures(sigs, refs)
        times.append(time.perf_counter() - t0)
        progress.advance(task)
    table.add_row("bulk build (median of 3), s", f"{statistics.median(times):.2f}")
    table.add_row("band table, MiB", f"{index._table.nbytes / 2**20:.0f}")
    table.add_row("signatures, MiB", f"{sigs.nbytes / 2**20:.0f}")

    extra = rng.integers(0, 2**32, size=(10_000, 128), dtype=np.uint32)
    hexes = [to_hex(x) for x in extra]
    t0 = time.perf_counter()
    for i, h in enumerate(hexes):
        index.add(h, size + i)
    table.add_row(
        "incremental add (hex, one by one), adds/s",
        f"{len(hexes) / (time.perf_counter() - t0):,.0f}",
    )

    # Queries: half near a stored signature (0-40 values changed), half random misses.
    picks = rng.integers(0, size, queries)
    qsigs = rng.integers(0, 2**32, size=(queries, 128), dtype=np.uint32)
    for i in range(queries // 2):
        q = sigs[picks[i]].copy()
        changed = rng.choice(128, size=int(rng.integers(0, 41)), replace=False)
        q[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint32)
        qsigs[i] = q
    order = rng.permutation(queries)  # hits and misses interleaved
    qhex_all = [to_hex(qsigs[i]) for i in order]
    for threshold, count in ((0.8, queries), (0.5, max(1, queries // 10))):
        # Below the exact floor every query scans all signatures: fewer of them.
        qhex = qhex_all[:count]
        task = progress.add_task(f"queries @ {threshold}", total=len(qhex))
        lat = []
        results = []
        for h in qhex:
            t0 = time.perf_counter()
            results.append(index.query(h, threshold))
            lat.append(time.perf_counter() - t0)
            progress.advance(task)
        lat_us = np.array(lat) * 1e6
        total = float(np.sum(lat))
        hits = sum(1 for r in results if r)
        check = random.Random(1).sample(range(len(qhex)), min(200, len(qhex)))
        exact = all(results[i] == index.brute_force(qhex[i], threshold) for i in check)
        path = "band table" if threshold >= index.exact_floor else "brute force"
        table.add_row(
            f"query @ {threshold} ({path}): queries/s | p50 | p99 µs | with a hit | = brute force",
            f"{len(qhex) / total:,.0f} | {np.percentile(lat_us, 50):.0f} | "
            f"{np.percentile(lat_us, 99):.0f} | {hits} | {exact} ({len(check)} checked)",
        )
    return table


def bench_quality(n: int, progress: Progress) -> Table:
    rng = random.Random(99)
    bank = [document_pages(10_000 + i) for i in range(n)]
    index = NearTextIndex()
    task = progress.add_task("quality: bank", total=n)
    for i, pages in enumerate(bank):
        value = fingerprint_text(extract_text(s.make_pdf(pages)).text)
        assert value is not None
        index.add(value, i)
        progress.advance(task)

    def edit(pages: list[str], words_changed: int) -> list[str]:
        out = []
        for page in pages:
            ws = page.split(" ")
            for _ in range(words_changed):
                ws[rng.randrange(len(ws))] = "edited"
            out.append(" ".join(ws))
        return out

    def new_title(pages: list[str]) -> list[str]:
        return [
            "A different title page\n" + " ".join(s.words(rng.randrange(10**9), 40)),
            *pages[1:],
        ]

    variants: dict[str, Callable[[list[str]], bytes]] = {
        "re-save as DOCX": s.make_docx,
        "re-save as HTML": s.make_html,
        "3 words changed per page (DOCX)": lambda p: s.make_docx(edit(p, 3)),
        "replaced title page (PDF)": lambda p: s.make_pdf(new_title(p)),
        "20 words changed per page (PDF)": lambda p: s.make_pdf(edit(p, 20)),
        "60 words changed per page (PDF)": lambda p: s.make_pdf(edit(p, 60)),
    }
    thresholds = (0.6, 0.7, 0.8, 0.9)
    table = Table(title=f"Near-duplicate matching: {n} banked PDFs, {n} variants of each kind")
    table.add_column("queries")
    table.add_column("mean similarity", justify="right")
    for t in thresholds:
        table.add_column(f"recall @{t}", justify="right")
    false_hits = dict.fromkeys(thresholds, 0)
    true_hits = dict.fromkeys(thresholds, 0)
    task = progress.add_task("quality: variants", total=n * (len(variants) + 1))
    for name, make in variants.items():
        found = dict.fromkeys(thresholds, 0)
        sims = []
        for i, pages in enumerate(bank):
            value = fingerprint_text(extract_text(make(pages)).text)
            assert value is not None
            matches = index.query(value, min(thresholds))
            sims.append(next((m.similarity for m in matches if m.ref == i), 0.0))
            for t in thresholds:
                hit = [m.ref for m in matches if m.similarity >= t]
                found[t] += i in hit
                true_hits[t] += i in hit
                false_hits[t] += sum(1 for r in hit if r != i)
            progress.advance(task)
        table.add_row(
            name, f"{statistics.mean(sims):.3f}", *(f"{found[t] / n:.3f}" for t in thresholds)
        )
    unrelated_max = 0.0
    for i in range(n):
        pages = document_pages(50_000 + i)
        value = fingerprint_text(extract_text(s.make_html(pages)).text)
        assert value is not None
        matches = index.query(value, 0.0)
        unrelated_max = max(unrelated_max, matches[0].similarity if matches else 0.0)
        for t in thresholds:
            false_hits[t] += sum(1 for m in matches if m.similarity >= t)
        progress.advance(task)
    table.add_row(
        f"{n} unrelated documents: highest similarity",
        f"{unrelated_max:.3f}",
        *[""] * len(thresholds),
    )
    table.add_row(
        "precision (all queries)",
        "",
        *(f"{true_hits[t] / max(1, true_hits[t] + false_hits[t]):.3f}" for t in thresholds),
    )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=200, help="documents per format for extraction")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--size", type=int, default=100_000, help="signatures in the index")
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--bank", type=int, default=200, help="banked documents for quality")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.passes, args.size, args.queries, args.bank = 10, 1, 5_000, 500, 10
    console.print(
        f"nproc={os.cpu_count()}  cpu={cpu_model()}  python={sys.version.split()[0]}  "
        f"numpy={np.__version__}"
    )
    # Warm up: the first call imports pypdf, python-docx and datasketch (~1 s together).
    for write in WRITERS.values():
        fingerprint_text(extract_text(write(document_pages(0))).text)
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        _, extraction = bench_extraction(args.docs, args.passes, progress)
        index = bench_index(args.size, args.queries, progress)
        quality = bench_quality(args.bank, progress)
    for table in (extraction, index, quality):
        console.print(table)
    console.print(f"peak RSS {peak_rss_mb():.0f} MiB, total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
