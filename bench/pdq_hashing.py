"""PDQ hashing throughput and portability: our decode+hash path against full-size pdqhash.

    .venv/bin/python bench/pdq_hashing.py [--images 200] [--repeats 5] [--markdown]

Generates seeded photo-like 1024x768 JPEGs (gradients, shapes, noise), then times, one
process on one core, the median of --repeats passes over all of them:
  ours            PDQSignal().compute: decode at reduced size (JPEG DCT scaling) + PDQ
  full-size       PDQSignal(full_resolution=True).compute: full decode + pdqhash on every pixel
  pdqhash only    pdqhash on already-decoded full-size pixels (no decode)
  decode only     decode_image with and without the reduced-size decode
  dihedral        PDQSignal().compute_dihedral (8 hashes) against compute (1 hash)
and checks Meta's 10-bit portability rule on shared/data/pdq (expected.csv).
Rates use process CPU time, so other load on the machine inflates them less than wall time.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, features
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.domain import Content, ContentKind
from ombuds.extraction.images import decode_image
from ombuds.matching.signals.pdq import HASH_DOWNSCALE, PDQSignal, hamming, hash_pixels

T = TypeVar("T")

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pdq"


@dataclass(frozen=True)
class Rate:
    name: str
    cpu_per_s: float
    wall_per_s: float


def photo_jpeg(seed: int, width: int = 1024, height: int = 768) -> bytes:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 6)
        channels.append(128 + 60 * np.sin(x / width * np.pi * fx + phase) * np.cos(y / height * fy))
    image = Image.fromarray(np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = (x0, y0, x0 + int(rng.integers(30, 300)), y0 + int(rng.integers(30, 300)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 5, (height, width, 3)).astype(
        np.int16
    )
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass(frozen=True)
class TimedPath:
    """One timed path: a name and a closure that runs it once over its whole input."""

    name: str
    count: int
    run_once: Callable[[], None]


def path(name: str, items: Sequence[T], work: Callable[[T], object]) -> TimedPath:
    def run_once() -> None:
        for item in items:
            work(item)

    return TimedPath(name, len(items), run_once)


def measure(paths: Sequence[TimedPath], repeats: int, progress: Progress) -> list[Rate]:
    """Median rates over `repeats` rounds; each round runs every path once, interleaved, so
    drifting background load spreads over all paths instead of landing on one."""
    task = progress.add_task("timing", total=repeats * len(paths))
    cpu: dict[str, list[float]] = {p.name: [] for p in paths}
    wall: dict[str, list[float]] = {p.name: [] for p in paths}
    for _ in range(repeats):
        for timed in paths:
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            timed.run_once()
            cpu[timed.name].append(timed.count / max(time.process_time() - cpu_start, 1e-9))
            wall[timed.name].append(timed.count / (time.perf_counter() - wall_start))
            progress.advance(task)
    return [
        Rate(p.name, statistics.median(cpu[p.name]), statistics.median(wall[p.name])) for p in paths
    ]


def portability(signal_type: PDQSignal) -> tuple[int, float, int, int, int]:
    """(max, median distance, bit-exact rows, signal rows, no_signal mistakes) on expected.csv."""
    with (DATA / "expected.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    distances, exact, mistakes = [], 0, 0
    for row in rows:
        signal = signal_type.compute(
            Content("ref", ContentKind.IMAGE, data=(DATA / row["path"]).read_bytes())
        )
        if row["rule"] == "no_signal":
            mistakes += signal is not None
            continue
        if signal is None:
            mistakes += 1
            continue
        distance = hamming(signal.value, row["pdq"])
        distances.append(distance)
        exact += distance == 0 and signal.quality == int(row["quality"])
    return max(distances), statistics.median(distances), exact, len(distances), mistakes


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = parser.parse_args(argv)
    console = Console(width=130)

    fast, full = PDQSignal(), PDQSignal(full_resolution=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("generating JPEGs", total=args.images)
        jpegs = []
        for seed in range(args.images):
            jpegs.append(photo_jpeg(seed))
            progress.advance(task)
        contents = [Content(f"p{i}", ContentKind.IMAGE, data=d) for i, d in enumerate(jpegs)]
        pixels: list[npt.NDArray[np.uint8]] = [
            np.asarray(decode_image(d)) for d in jpegs[: max(1, args.images // 4)]
        ]
        low_quality = sum(fast.compute(c) is None for c in contents)
        gaps = []  # ours vs full-size on the generated photos
        for content in contents:
            ours, reference = fast.compute(content), full.compute(content)
            if ours is not None and reference is not None:
                gaps.append(hamming(ours.value, reference.value))

        def reduced_decode(data: bytes) -> object:
            return decode_image(data, downscale=HASH_DOWNSCALE)

        paths = [
            path("ours: reduced-size decode + PDQ", contents, fast.compute),
            path("full-size decode + pdqhash", contents, full.compute),
            path("pdqhash on full-size pixels", pixels, hash_pixels),
            path("decode only, reduced size", jpegs, reduced_decode),
            path("decode only, full size", jpegs, decode_image),
            path("ours, dihedral (8 hashes)", contents, fast.compute_dihedral),
        ]
        rates = measure(paths, args.repeats, progress)
    ours_max, ours_median, ours_exact, rows, ours_mistakes = portability(fast)
    ref_max, ref_median, ref_exact, _, ref_mistakes = portability(full)

    table = Table(
        title=f"PDQ hashing, {args.images} JPEGs 1024x768, median of {args.repeats} passes"
    )
    for column in ("path", "images/s per core (CPU)", "ms/image", "images/s (wall)"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for rate in rates:
        table.add_row(
            rate.name,
            f"{rate.cpu_per_s:.0f}",
            f"{1000 / rate.cpu_per_s:.2f}",
            f"{rate.wall_per_s:.0f}",
        )
    console.print(table)
    check = Table(title=f"Portability on {DATA.resolve()} ({rows} rows with a signal)")
    for column in ("path", "max distance", "median", "distance 0", "no_signal mistakes"):
        check.add_column(column)
    check.add_row(
        "ours", str(ours_max), f"{ours_median:g}", f"{ours_exact}/{rows}", str(ours_mistakes)
    )
    check.add_row(
        "full-size", str(ref_max), f"{ref_median:g}", f"{ref_exact}/{rows}", str(ref_mistakes)
    )
    console.print(check)
    machine = (
        f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"Pillow {version('pillow')} (libjpeg-turbo {features.version('libjpeg_turbo')}), "
        f"numpy {np.__version__}, pdqhash {version('pdqhash')}, load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    console.print(machine)
    console.print(f"{low_quality} of {args.images} generated images had quality < 50")
    gap = f"median {statistics.median(gaps):g}, p95 {np.percentile(gaps, 95):g}, max {max(gaps)}"
    console.print(f"ours vs full-size on the generated photos: {gap} bits")
    console.print(
        f"within Meta's 10-bit rule: {'yes' if ours_max <= 10 and not ours_mistakes else 'NO'}; "
        f"dihedral costs {rates[0].cpu_per_s / rates[-1].cpu_per_s:.2f}x a single hash"
    )
    if args.markdown:
        print("\n| path | images/s per core (CPU) | ms/image | images/s (wall) |")
        print("|---|---:|---:|---:|")
        for rate in rates:
            print(
                f"| {rate.name} | {rate.cpu_per_s:.0f} | {1000 / rate.cpu_per_s:.2f} | "
                f"{rate.wall_per_s:.0f} |"
            )
        print("\n| path | max distance | median | distance 0 | no_signal mistakes |")
        print("|---|---:|---:|---:|---:|")
        print(f"| ours | {ours_max} | {ours_median:g} | {ours_exact}/{rows} | {ours_mistakes} |")
        print(f"| full-size | {ref_max} | {ref_median:g} | {ref_exact}/{rows} | {ref_mistakes} |")
        print(f"\nours vs full-size on the generated photos: {gap} bits")
        print(f"\n{machine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
