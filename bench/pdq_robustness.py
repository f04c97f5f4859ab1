"""PDQ robustness: which edits an image survives, and how often unrelated images collide.

    .venv/bin/python bench/pdq_robustness.py [--originals 220] [--distractors 10000]
        [--seed 0] [--jobs 2] [--markdown] [--plot docs/img/pdq-robustness.png] [--no-cache]

Stages (outputs cached as .npy under bench/.data/pdq_robustness/, keyed by generator
version, seed and counts, so a re-run only scores):
  1 generate  --originals photo-like 640x480 images (bench/robustness_images.py) and
              --distractors unrelated 256x192 ones from other seeds; distractors are hashed
              as they are generated, since keeping 10,000 pixel arrays would cost 1.5 GB
  2 transform every original with every edit in robustness_images.TRANSFORMS
  3 hash      originals (as JPEG q90 uploads) and edited images through the engine's path,
              PDQSignal().decode + pdqhash's dihedral hashes (8 per image, index 0 is the
              plain hash, identical to PDQSignal().compute)
  4 score     matched = query quality >= 50 and distance to its original <= 31; false
              matches = (edited query, distractor) pairs within the threshold
Dihedral matching here is query-side: the upload's 8 rotation/mirror hashes against the
single hash a bank stores, because banks filled from ThreatExchange/HMA hold only that one
hash. The bank-side variant (8 stored hashes, one query hash) is scored too, for comparison.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

# Run as a script, bench/ is on sys.path, so the helper module imports by name.
import robustness_images as images
import robustness_report as report
from ombuds.domain import Content, ContentKind
from ombuds.matching.signals.pdq import (
    DEFAULT_THRESHOLD,
    QUALITY_FLOOR,
    PDQSignal,
    hash_pixels_dihedral,
)
from robustness_scoring import (
    Data,
    Ints,
    Words,
    cross_template,
    diversity,
    false_match_histograms,
    score,
)

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".data" / "pdq_robustness"
SWEEP = (16, 24, 31, 40, 48)
ORIGINAL_SIZE = (640, 480)
DISTRACTOR_SIZE = (256, 192)
# Seed offsets keep originals and distractors disjoint for any --originals/--distractors.
DISTRACTOR_SEED_OFFSET = 5_000_000


# Set before the worker pool forks, so workers inherit the originals without pickling
# 200 MB of pixels per task.
_ORIGINALS: npt.NDArray[np.uint8] | None = None


def hash_bytes(data: bytes) -> tuple[Words, int]:
    """(8 x 4 words, quality) of an upload, decoded exactly as PDQSignal does."""
    image = PDQSignal().decode(Content("bench", ContentKind.IMAGE, data=data))
    assert image is not None
    hashes, quality = hash_pixels_dihedral(np.asarray(image))
    return np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint64).reshape(8, 4), quality


def _distractor_chunk(seeds: range) -> tuple[Words, Ints]:
    words, quality = [], []
    for seed in seeds:
        # Uploads are JPEGs; hashing the encoded file keeps distractors on the same path.
        pixels = images.photo(seed, *DISTRACTOR_SIZE)
        hashed, q = hash_bytes(images.encode(Image.fromarray(pixels)))
        words.append(hashed[0])
        quality.append(q)
    return np.stack(words), np.asarray(quality)


def _transform_chunk(seed: int, key: str, indices: range) -> tuple[Words, Ints]:
    assert _ORIGINALS is not None
    transform = next(t for t in images.TRANSFORMS if t.key == key)
    words, quality = [], []
    for i in indices:
        # Per (image, transform) rng: crop offsets etc. do not shift when the list changes.
        rng = np.random.default_rng([seed, i, zlib.crc32(key.encode())])
        hashed, q = hash_bytes(transform.apply(Image.fromarray(_ORIGINALS[i]), rng))
        words.append(hashed)
        quality.append(q)
    return np.stack(words), np.asarray(quality)


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _cached(path: Path, use_cache: bool) -> npt.NDArray[Any] | None:
    return np.load(path) if use_cache and path.exists() else None


def _originals(
    args: argparse.Namespace, cache: Path, progress: Progress, console: Console
) -> tuple[npt.NDArray[np.uint8], Words]:
    """Stage 1a: pixels and dihedral hashes of the originals. Seeds whose upload has PDQ
    quality < 50 are skipped: Meta recommends discarding such hashes, so no bank holds them."""
    n, use = args.originals, not args.no_cache
    pixels_path, words_path = cache / f"originals-{n}.npy", cache / f"originals-{n}-hashes.npy"
    pixels, words = _cached(pixels_path, use), _cached(words_path, use)
    if pixels is not None and words is not None:
        return pixels, words
    task = progress.add_task("1 generate originals", total=n)
    kept: list[npt.NDArray[np.uint8]] = []
    hashes: list[Words] = []
    first = seed = args.seed * 10_000_000
    while len(kept) < n:
        candidate = images.photo(seed, *ORIGINAL_SIZE)
        seed += 1
        hashed, quality = hash_bytes(images.encode(Image.fromarray(candidate)))
        if quality >= QUALITY_FLOOR:
            kept.append(candidate)
            hashes.append(hashed)
            progress.advance(task)
    np.save(pixels_path, np.stack(kept))
    np.save(words_path, np.stack(hashes))
    console.print(f"originals: {seed - first - n} low-quality seeds skipped")
    return np.stack(kept), np.stack(hashes)


def _distractors(
    args: argparse.Namespace, cache: Path, progress: Progress, pool: ProcessPoolExecutor
) -> tuple[Words, int]:
    """Stage 1b: hashes of --distractors images with a signal, and how many seeds were
    skipped for quality < 50 on the way (the engine never looks those up, so they could
    not false-match). Kept in seed order: the set does not depend on --jobs or chunking."""
    m, use = args.distractors, not args.no_cache
    words_path, quality_path = (
        cache / f"distractors-{m}.npy",
        cache / f"distractors-{m}-quality.npy",
    )
    words, tried = _cached(words_path, use), _cached(quality_path, use)
    if words is not None and tried is not None:
        return words, int((tried < QUALITY_FLOOR).sum())
    task = progress.add_task("1 generate + hash distractors", total=m)
    parts: list[tuple[Words, Ints]] = []
    valid, next_seed = 0, args.seed * 10_000_000 + DISTRACTOR_SEED_OFFSET
    while valid < m:
        want = (m - valid) * 21 // 20 + 100  # ~5 % have no signal
        seeds = [range(next_seed + r.start, next_seed + r.stop) for r in _chunks(want, 100)]
        next_seed += want
        for part in pool.map(_distractor_chunk, seeds):
            parts.append(part)
            good = int((part[1] >= QUALITY_FLOOR).sum())
            progress.advance(task, min(good, m - valid))
            valid += good
    all_words = np.concatenate([p[0] for p in parts])
    all_quality = np.concatenate([p[1] for p in parts])
    keep = np.nonzero(all_quality >= QUALITY_FLOOR)[0][:m]
    tried = all_quality[: keep[-1] + 1]  # every seed up to the last one kept
    np.save(words_path, all_words[keep])
    np.save(quality_path, tried)
    return all_words[keep], int((tried < QUALITY_FLOOR).sum())


def _queries(
    args: argparse.Namespace, cache: Path, progress: Progress, pool: ProcessPoolExecutor
) -> tuple[dict[str, Words], dict[str, Ints]]:
    """Stages 2+3: edit then hash, one cache file pair per transform, so adding a transform
    only computes the new one."""
    n, use = args.originals, not args.no_cache
    queries: dict[str, Words] = {}
    quality: dict[str, Ints] = {}
    todo = []
    for transform in images.TRANSFORMS:
        key = transform.key
        words = _cached(cache / f"q-{key}-{n}.npy", use)
        qualities = _cached(cache / f"q-{key}-{n}-quality.npy", use)
        if words is None or qualities is None:
            todo.append(key)
        else:
            queries[key], quality[key] = words, qualities
    if not todo:
        return queries, quality
    task = progress.add_task("2+3 transform + hash", total=n * len(todo))
    futures = {
        key: [pool.submit(_transform_chunk, args.seed, key, r) for r in _chunks(n, 20)]
        for key in todo
    }
    for key, pending in futures.items():
        results = []
        for future in pending:
            results.append(future.result())
            progress.advance(task, len(results[-1][1]))
        queries[key] = np.concatenate([r[0] for r in results])
        quality[key] = np.concatenate([r[1] for r in results])
        np.save(cache / f"q-{key}-{n}.npy", queries[key])
        np.save(cache / f"q-{key}-{n}-quality.npy", quality[key])
    return queries, quality


def build(args: argparse.Namespace, console: Console) -> tuple[Data, dict[str, float]]:
    global _ORIGINALS
    cache = CACHE / f"v{images.GENERATOR_VERSION}-seed{args.seed}"
    cache.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    with Progress(console=console) as progress:
        start = time.perf_counter()
        _ORIGINALS, originals = _originals(args, cache, progress, console)
        timings["1 originals"] = time.perf_counter() - start
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            start = time.perf_counter()
            distractors, dropped = _distractors(args, cache, progress, pool)
            timings["1 distractors"] = time.perf_counter() - start
            start = time.perf_counter()
            queries, quality = _queries(args, cache, progress, pool)
            timings["2+3 transforms"] = time.perf_counter() - start
    return Data(originals, distractors, dropped, queries, quality), timings


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--originals", type=int, default=220)
    parser.add_argument("--distractors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for stages 1-3")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "pdq-robustness.png")
    parser.add_argument("--no-cache", action="store_true", help="recompute every stage")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = parser.parse_args(argv)
    console = Console(width=130)
    wall = time.perf_counter()

    data, timings = build(args, console)
    start = time.perf_counter()
    rows = score(data)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("4 score false matches", total=len(images.TRANSFORMS))
        histograms: dict[str, tuple[Ints, Ints]] = {}
        for transform in images.TRANSFORMS:
            ok = data.quality[transform.key] >= QUALITY_FLOOR
            histograms[transform.key] = false_match_histograms(
                data.queries[transform.key][ok], data.distractors
            )
            progress.advance(task)
    timings["4 score"] = time.perf_counter() - start
    plain_hist: Ints = np.sum([h[0] for h in histograms.values()], axis=0)
    dihedral_hist: Ints = np.sum([h[1] for h in histograms.values()], axis=0)
    pairs = int(plain_hist.sum())
    threshold = DEFAULT_THRESHOLD

    table = Table(
        title=f"PDQ robustness: {args.originals} originals, threshold {threshold}, "
        f"{len(data.distractors):,} distractors"
    )
    headers = ("transform", "strength", "plain %", "dihedral %", "median d", "median d dih.")
    for column in (*headers, "no signal"):
        table.add_column(column, justify="left" if column in headers[:2] else "right")
    markdown = [
        "| transform | strength | matched % | matched %, dihedral | median distance "
        "| median, dihedral | no signal |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = (
            row.family,
            row.strength,
            f"{100 * row.matched(row.plain):.1f}",
            f"{100 * row.matched(row.dihedral):.1f}",
            f"{np.median(row.plain):.0f}",
            f"{np.median(row.dihedral):.0f}",
            str(row.no_signal),
        )
        table.add_row(*cells)
        markdown.append("| " + " | ".join(cells) + " |")
    console.print(table)

    edited = [r for r in rows if r.key != "identity"]
    sweep = Table(title=f"Threshold sweep: {pairs:,} (edited query, distractor) pairs per mode")
    for column in ("threshold", "recall", "recall dih.", "false-match rate", "FMR dih."):
        sweep.add_column(column, justify="right")
    sweep_md = [
        "| threshold | recall | recall, dihedral | false-match rate | false-match rate, dihedral |",
        "|---:|---:|---:|---:|---:|",
    ]
    curves = []
    for label, hist, attr in (
        ("plain", plain_hist, "plain"),
        ("dihedral", dihedral_hist, "dihedral"),
    ):
        limit = 129
        recall = np.array(
            [np.mean([r.matched(getattr(r, attr), t) for r in edited]) for t in range(limit)]
        )
        false = np.cumsum(hist)[:limit] / pairs
        curves.append(report.Curve(label, recall, false, pairs))
    for t in SWEEP:
        sweep_cells = (
            str(t),
            f"{100 * curves[0].recall[t]:.1f} %",
            f"{100 * curves[1].recall[t]:.1f} %",
            _rate(plain_hist, t, pairs),
            _rate(dihedral_hist, t, pairs),
        )
        sweep.add_row(*sweep_cells)
        sweep_md.append("| " + " | ".join(sweep_cells) + " |")
    console.print(sweep)

    bank_diff = sum(
        int(((r.bank_side <= threshold) != (r.dihedral <= threshold)).sum()) for r in rows
    )
    notes = [
        *diversity(data),
        f"distractor seeds skipped for quality < {QUALITY_FLOOR}: {data.distractors_dropped}",
        f"closest (edited query, distractor) pair: plain {int(np.nonzero(plain_hist)[0][0])}, "
        f"dihedral {int(np.nonzero(dihedral_hist)[0][0])}",
        "same edit, different originals, plain/dihedral (shared frames pull together): "
        + ", ".join(cross_template(data)),
        f"bank-side vs query-side dihedral: {bank_diff} of {len(rows) * args.originals} "
        "match decisions differ",
        "transforms with distractor false matches at 31 (plain/dihedral): "
        + (
            ", ".join(
                f"{key} {int(h[0][: threshold + 1].sum())}/{int(h[1][: threshold + 1].sum())}"
                for key, h in histograms.items()
                if h[1][: threshold + 1].sum()
            )
            or "none"
        ),
    ]
    for note in notes:
        console.print(note)

    start = time.perf_counter()
    report.plot(
        [f"{r.family}: {r.strength}" for r in rows],
        [r.matched(r.plain) for r in rows],
        [r.matched(r.dihedral) for r in rows],
        curves,
        SWEEP,
        threshold,
        f"PDQ robustness: {args.originals} generated photos, {len(data.distractors):,} "
        "unrelated distractors",
        args.plot,
    )
    timings["plot"] = time.perf_counter() - start
    timings["total (wall)"] = time.perf_counter() - wall
    console.print(
        "timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    )
    console.print(
        f"machine: nproc {multiprocessing.cpu_count()}, {cpu_model()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}, Pillow {version('pillow')}, "
        f"pdqhash {version('pdqhash')}, matplotlib {version('matplotlib')}"
    )
    if args.markdown:
        console.print("\n".join(["", *markdown, "", *sweep_md]), markup=False, soft_wrap=True)
    return 0


def _rate(hist: Ints, threshold: int, pairs: int) -> str:
    hits = int(hist[: threshold + 1].sum())
    return f"{hits / pairs:.2e} ({hits})" if hits else f"0 (< {3 / pairs:.1e})"


if __name__ == "__main__":
    sys.exit(main())
