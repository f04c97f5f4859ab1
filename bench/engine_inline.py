"""Inline text decisions through `Engine.submit`, one core, beside the bare matcher.

Stages: build the 100k-term workload (shared with text_inline.py) -> compile -> submit every
message through the engine (scope gate, matching, verdict, notice, decision) -> report medians.
The bare matcher (normalize + match) runs in the same process as the baseline, so the figure
that matters, the engine's own overhead, is comparable on a noisy machine.

    .venv/bin/python bench/engine_inline.py [--terms 100000] [--messages 20000] [--passes 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from ombuds.domain import Action, Content, ContentKind, Decision, Policy
from ombuds.domain.scope import Scope
from ombuds.engine import Engine
from ombuds.engine.banks import BankMatcher
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.signals import default_registry
from ombuds.matching.text import TextMatcher, compile_lexicons
from ombuds.settings import Settings
from text_inline import make_workload


class Discard:
    """A sink that drops decisions: retaining 100k decisions would measure the GC instead."""

    def accept(self, decision: Decision) -> None:
        self.last = decision

    def flush(self) -> None:
        return None


def make_engine(matcher: TextMatcher, sink: Discard | None) -> Engine:
    policy = Policy(
        name="bench",
        scope=Scope.parse('region in ["EU", "UK"] and community != "opted-out"'),
        lexicons=("bench-terms", "bench-combinations", "bench-patterns"),
        actions=dict.fromkeys(("hate", "violence", "sexual"), Action.BLOCK),
        default_action=Action.REVIEW,
        ground="ToS 1",
    )
    banks = BankMatcher(ExactIndex(), lambda ids: {}, default_registry())
    return Engine([policy], text=matcher, banks=banks, settings=Settings(), sink=sink)


def timed(fn: object, items: list[object]) -> list[int]:
    call = fn  # a bound method: looked up once, outside the loop
    out = []
    for item in items:
        t0 = time.perf_counter_ns()
        call(item)  # type: ignore[operator]
        out.append(time.perf_counter_ns() - t0)
    return out


def summarise(samples: list[list[int]]) -> tuple[float, float, float]:
    rates = [len(s) / (sum(s) / 1e9) for s in samples]
    flat = sorted(x for s in samples for x in s)
    p50 = flat[len(flat) // 2] / 1e3
    p99 = flat[int(len(flat) * 0.99)] / 1e3
    return statistics.median(rates), p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--combinations", type=int, default=1_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    console = Console()
    work = make_workload(args.terms, args.combinations, args.messages, args.seed)
    t0 = time.perf_counter()
    matcher = compile_lexicons(work.lexicons)
    build_s = time.perf_counter() - t0
    regions = ["EU", "UK", "EU", "US"]  # a quarter of the users are outside the scope
    contents = [
        Content(
            f"m{i}",
            ContentKind.TEXT,
            text=m,
            author_id=f"u{i % 997}",
            attributes={"region": regions[i % 4], "community": "c"},
        )
        for i, m in enumerate(work.messages)
    ]
    stages = {
        "matcher only (normalize + match)": (lambda c: matcher.match(c.text)),
        "Engine.submit, no sink": make_engine(matcher, None).submit,
        "Engine.submit + discarding sink": make_engine(matcher, Discard()).submit,
    }
    results: dict[str, list[list[int]]] = {name: [] for name in stages}
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("passes", total=args.passes * len(stages))
        for _ in range(args.passes):
            for name, fn in stages.items():  # interleaved, so drift hits every stage alike
                results[name].append(timed(fn, contents))  # type: ignore[arg-type]
                bar.advance(task)
    title = (
        f"Inline text decisions, one core ({args.messages:,} messages x {args.passes} passes; "
        f"{args.terms:,} terms, build {build_s:.1f} s)"
    )
    table = Table(title=title)
    for column in ("stage", "msgs/s (median)", "p50 µs", "p99 µs"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for name, samples in results.items():
        rate, p50, p99 = summarise(samples)
        table.add_row(name, f"{rate:,.0f}", f"{p50:.1f}", f"{p99:.1f}")
    console.print(table)
    console.print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                  f"Python {platform.python_version()}")  # fmt: skip


if __name__ == "__main__":
    main()
