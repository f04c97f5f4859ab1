"""Inline latency while the deferred tier is saturated.

Stages: generate photo-like JPEGs and the 100k-term text workload -> build an engine whose
deferred tier has worker processes -> time inline text decisions (a) with the deferred tier
idle, (b) with its queue kept full of images, (c) with the same image work done by a
process that has nothing to do with the engine (the floor: what any busy neighbour on the
other core costs), (d) for contrast, with the same image work done by a thread inside the
engine's process (what a naive design does) -> report medians.

Each window also counts the deferred results that finished during it: a "saturated" window
in which none did measured nothing (the workers had not started, or had stalled) and is left
out of the summary, with a warning; if every one is empty the run fails.

    .venv/bin/python bench/deferred_isolation.py [--terms 100000] [--images 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from ombuds.domain import Action, Bank, Content, ContentKind, Decision, Policy
from ombuds.domain.scope import Scope
from ombuds.engine import Engine
from ombuds.engine.banks import BankMatcher
from ombuds.engine.deferred.matchers import PerceptualMatcher
from ombuds.engine.deferred.tier import DeferredTier
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.signals import default_registry
from ombuds.matching.signals.pdq import PDQSignal
from ombuds.matching.text import compile_lexicons
from ombuds.queue import queue_backend
from ombuds.settings import Settings
from text_inline import make_workload


def photo(rng: random.Random) -> bytes:
    image = Image.new("RGB", (1024, 768), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = rng.randrange(1024), rng.randrange(768)
        box = (x, y, x + rng.randint(40, 400), y + rng.randint(40, 300))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(2)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def build(terms: int, workers: int) -> tuple[Engine, list[Content], list[bytes], list[Decision]]:
    work = make_workload(terms, terms // 100, 10_000, 20240601)
    text = compile_lexicons(work.lexicons)
    policy = Policy(
        "bench",
        Scope.parse('region == "EU"'),
        banks=("photos",),
        lexicons=tuple(lex.name for lex in work.lexicons),
        actions={"abuse": Action.BLOCK},
    )
    index = PDQIndex.build(
        np.random.default_rng(1).integers(0, 256, (100_000, 32), dtype=np.uint8),
        np.arange(100_000, dtype=np.int64),
        threads=1,  # as engine.loading builds it: no pool threads beside the inline tier
    )
    settings = Settings(ocr=False, deferred_workers=workers)
    done: list[Decision] = []
    tier = DeferredTier(
        queue_factory=lambda h, cb: queue_backend("process", h, cb, workers=workers),
        perceptual=PerceptualMatcher(index, lambda ids: {}, {"photos": Bank("photos", "abuse")}),
        text=text,
        settings=settings,
        clock=lambda: __import__("datetime").datetime.now(),
        on_decision=done.append,
    )
    engine = Engine(
        [policy],
        text=text,
        banks=BankMatcher(ExactIndex(), lambda ids: {}, default_registry()),
        settings=settings,
        deferred=tier,
    )
    messages = [
        Content(f"m{i}", ContentKind.TEXT, text=m, attributes={"region": "EU"})
        for i, m in enumerate(work.messages)
    ]
    rng = random.Random(7)
    return engine, messages, [photo(rng) for _ in range(40)], done


def time_inline(
    engine: Engine, messages: list[Content], done: list[Decision]
) -> tuple[list[int], int]:
    """Per-decision times, and how many deferred jobs finished meanwhile (left their worker:
    the queue reports them in batches, so decisions made would undercount short windows)."""
    queue = engine.deferred.queue if engine.deferred is not None else None
    finished = lambda: int(getattr(queue, "collected", len(done)))  # noqa: E731
    before = finished()
    samples = []
    for content in messages:
        t0 = time.perf_counter_ns()
        engine.submit(content)
        samples.append(time.perf_counter_ns() - t0)
    return samples, finished() - before


def feed(engine: Engine, images: list[bytes], count: int) -> None:
    for n in range(count):
        data = images[n % len(images)]
        engine.submit(Content(f"i{n}", ContentKind.IMAGE, data=data, attributes={"region": "EU"}))


def in_process_load(images: list[bytes], stop: threading.Event) -> None:
    pdq, n = PDQSignal(), 0
    while not stop.is_set():
        pdq.compute(Content("x", ContentKind.IMAGE, data=images[n % len(images)]))
        n += 1


def burn() -> None:
    """`--burn`: PDQ-hash photos forever at a worker's priority, in a process unrelated to the
    engine: what any busy neighbour on the other core costs the inline tier (the floor)."""
    from ombuds.queue.worker import _lower_priority

    _lower_priority(10, None)
    rng = random.Random(9)
    in_process_load([photo(rng) for _ in range(8)], threading.Event())


def summary(samples: list[list[int]]) -> tuple[float, float, float]:
    flat = sorted(x for s in samples for x in s)
    rates = [len(s) / (sum(s) / 1e9) for s in samples]
    return statistics.median(rates), flat[len(flat) // 2] / 1e3, flat[int(len(flat) * 0.99)] / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)  # OMBUDS_DEFERRED_WORKERS default
    parser.add_argument("--burn", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.burn:
        burn()
        return
    console = Console()
    engine, messages, images, done = build(args.terms, args.workers)
    tier = engine.deferred
    assert tier is not None
    feed(engine, images, 4)  # start the workers before timing anything
    tier.drain(60)
    feed(engine, images, 4)  # again: by now the workers look up against the index export
    tier.drain(60)
    names = ("deferred idle", "deferred saturated", "unrelated busy process (floor)",
             "same work in a thread (naive)")  # fmt: skip
    results: dict[str, list[list[int]]] = {name: [] for name in names}
    finished: dict[str, list[int]] = {name: [] for name in names}
    empty = 0
    depths: list[int] = []

    def timed(name: str) -> None:
        nonlocal empty
        samples, count = time_inline(engine, messages, done)
        finished[name].append(count)
        if name == "deferred saturated" and count == 0:
            empty += 1  # nothing finished: this window did not measure a saturated tier
            console.print("[red]a saturated window finished no deferred work: left out[/]")
            return
        results[name].append(samples)

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("rounds", total=args.rounds * 4)
        for _ in range(args.rounds):
            timed("deferred idle")
            bar.advance(task)
            feed(engine, images, args.images)
            depths.append(tier.queue.depth())
            timed("deferred saturated")
            depths.append(tier.queue.depth())
            bar.advance(task)
            tier.drain()
            neighbours = [subprocess.Popen([sys.executable, __file__, "--burn"])
                          for _ in range(args.workers)]  # fmt: skip
            time.sleep(1.5)  # let it import and get going
            timed("unrelated busy process (floor)")
            for proc in neighbours:
                proc.kill()
                proc.wait()
            bar.advance(task)
            stop = threading.Event()
            threads = [threading.Thread(target=in_process_load, args=(images, stop))
                       for _ in range(args.workers)]  # fmt: skip
            for t in threads:
                t.start()
            timed("same work in a thread (naive)")
            stop.set()
            for t in threads:
                t.join()
            bar.advance(task)
    engine.close()
    table = Table(title=f"Inline text decisions ({len(messages):,} msgs x {args.rounds} rounds, "
                        f"{args.terms:,} terms, {args.workers} deferred workers)")  # fmt: skip
    columns = ("condition", "msgs/s (median)", "p50 µs", "p99 µs", "deferred done per window")
    for column in columns:
        table.add_column(column, justify="left" if column == "condition" else "right")
    for name, samples in results.items():
        if not samples:
            table.add_row(name, "-", "-", "-", str(finished[name]))
            continue
        rate, p50, p99 = summary(samples)
        table.add_row(name, f"{rate:,.0f}", f"{p50:.1f}", f"{p99:.1f}", str(finished[name]))
    console.print(table)
    console.print(f"deferred queue depth while timing (saturated rounds): {depths}")
    if empty == args.rounds:
        console.print("[red]no saturated window finished any deferred work: nothing measured[/]")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
