"""How long an engine takes to load an exact-hash bank from the store, beside a snapshot load.

Stages: import N generated md5 entries into a fresh SQLite store (atomic import path) ->
stream them into an ExactIndex as `build_engine` does -> save and reload a snapshot.

    .venv/bin/python bench/bank_load.py [--entries 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.engine.loading import load_exact_index
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.signals import default_registry
from ombuds.records import Store


def entries(count: int, seed: int) -> Iterator[BankEntry]:
    rng = np.random.default_rng(seed)
    for start in range(0, count, 100_000):
        block = rng.integers(0, 256, size=(min(100_000, count - start), 16), dtype=np.uint8)
        for row in block:
            yield BankEntry("bench", Signal("md5", row.tobytes().hex()), "bench")


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url)
        store.create_bank(Bank("bench", "bench"), actor="system:bench")
        with Progress(console=console, transient=True) as bar:
            bar.add_task(f"importing {args.entries:,} entries", total=None)
            t0 = time.perf_counter()
            added, _ = store.import_entries("bench", entries(args.entries, 7), actor="system:bench")
            import_s = time.perf_counter() - t0
        before = rss_mib()
        t0 = time.perf_counter()
        index = load_exact_index(store, default_registry())
        load_s = time.perf_counter() - t0
        grown = rss_mib() - before
        snapshot = Path(tmp) / "index.snapshot"
        index.save(snapshot)
        t0 = time.perf_counter()
        ExactIndex.load(snapshot)
        snap_s = time.perf_counter() - t0
        store.close()
    table = Table(title=f"Bank load, {added:,} md5 entries ({url.split(':')[0]})")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_row("import into the store (one transaction)", f"{import_s:.1f}")
    table.add_row("load from the store into the index", f"{load_s:.2f}")
    table.add_row("load from an index snapshot", f"{snap_s:.2f}")
    console.print(table)
    console.print(f"index RSS growth while loading: {grown:,.0f} MiB; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
