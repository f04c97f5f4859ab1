"""Where a batch submission's time goes, stage by stage, in one process (no HTTP, no store).

    .venv/bin/python bench/submit_stages.py                    # 100k terms, ~2 minutes
    .venv/bin/python bench/submit_stages.py --terms 10000 --rounds 3
    .venv/bin/python bench/submit_stages.py --busy-neighbour   # a busy loop on another core

The request process's share of `POST /v1/content/batch`, with the same code the fast path
calls: (1) the workload of bench/api_load.py (its lexicons in a temporary workspace, batches
of `--batch-size` of its messages as JSON bodies); (2) an engine built from that workspace as
`ombuds serve` builds it, with no decision sink; (3) for each body in turn: `json.loads`, the
`BatchIn` model, domain `Content`, `Engine.submit_many`, the record form and its JSON
for the decision writer, the answer's dicts and its JSON. Reported: microseconds per message
per stage, median and minimum over every batch of every round. `--busy-neighbour` runs a
busy loop in another process meanwhile: what a loaded 2-core machine does to the same work.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic_core import to_json
from rich.console import Console
from rich.progress import track
from rich.table import Table

from api_load import jpeg, make_workspace
from ombuds.engine.loading import build_engine
from ombuds.engine.serialize import decision_as_dict
from ombuds.interfaces.api.content import _content
from ombuds.interfaces.api.models import BatchIn
from ombuds.interfaces.api.runtime import settle_heap
from ombuds.records import Store
from ombuds.records.repos.decision_records import decision_record
from ombuds.settings import Settings

STAGES = (
    "json.loads",
    "BatchIn",
    "Content",
    "engine",
    "record form + JSON",
    "answer dicts",
    "answer JSON",
)


def spin(stop: Any) -> None:
    while not stop.is_set():
        pass


def run_batch(engine: Any, body: bytes) -> list[float]:
    """Seconds spent in each stage for one body."""
    marks = [time.perf_counter()]

    def mark(value: Any) -> Any:
        marks.append(time.perf_counter())
        return value

    parsed = mark(json.loads(body))
    batch = mark(BatchIn.model_validate(parsed))
    contents = mark([_content(item, f"items[{i}].") for i, item in enumerate(batch.items)])
    decisions = mark(engine.submit_many(contents))
    mark(to_json([[decision_record(d) for d in decisions]]))  # the writer pipe's frame
    answer = mark({"decisions": [decision_as_dict(d) for d in decisions]})
    mark(to_json(answer))
    return [b - a for a, b in itertools.pairwise(marks)]


def measure(engine: Any, bodies: list[bytes], rounds: int, per: int) -> dict[str, list[float]]:
    spent: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in track(range(rounds), description="rounds"):
        for body in bodies:
            for stage, seconds in zip(STAGES, run_batch(engine, body), strict=True):
                spent[stage].append(seconds / per * 1e6)
    return spent


def report(console: Console, spent: dict[str, list[float]], title: str) -> None:
    table = Table(title=title)
    for column in ("stage", "µs/message (median)", "minimum"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    medians = {s: statistics.median(v) for s, v in spent.items()}
    for stage, values in spent.items():
        table.add_row(stage, f"{medians[stage]:.2f}", f"{min(values):.2f}")
    table.add_row("[bold]sum[/]", f"[bold]{sum(medians.values()):.2f}[/]", "")
    console.print(table)


def with_neighbour(busy: bool, work: Callable[[], dict[str, list[float]]]) -> Any:
    if not busy:
        return work()
    stop = multiprocessing.Event()
    proc = multiprocessing.Process(target=spin, args=(stop,), daemon=True)
    proc.start()
    try:
        return work()
    finally:
        stop.set()
        proc.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--busy-neighbour", action="store_true")
    args = parser.parse_args()
    console = Console()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="ombuds-submit-stages-") as tmp:
        home = Path(tmp) / "ws"
        messages = make_workspace(home, args.terms, [jpeg(rng)], args.seed)
        settings = Settings(home=home, ocr=False)
        with Store.open(settings.resolved_database_url()) as store:
            engine = build_engine(store, settings)
        settle_heap()  # as `ombuds serve` does once the engine is loaded
        bodies = [
            json.dumps(
                {
                    "items": [
                        {"content_id": f"b{k}-{j}", "attributes": {"region": "EU"}, "text": m}
                        for j, m in enumerate(rng.choices(messages, k=args.batch_size))
                    ]
                }
            ).encode()
            for k in range(args.batches)
        ]
        run_batch(engine, bodies[0])  # warm-up
        spent = with_neighbour(
            args.busy_neighbour, lambda: measure(engine, bodies, args.rounds, args.batch_size)
        )
        engine.close()
    neighbour = ", a busy loop on another core" if args.busy_neighbour else ""
    report(
        console,
        spent,
        f"request side of a batch of {args.batch_size}: {args.terms:,} terms, "
        f"{args.batches} batches x {args.rounds} rounds{neighbour}",
    )


if __name__ == "__main__":
    main()
