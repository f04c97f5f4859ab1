"""Run the demo: a fresh SQLite workspace, the generated policy set, a stream, a summary."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ombuds.domain import Bank, BankEntry, Content, ContentKind, Decision
from ombuds.engine import StoreSink
from ombuds.engine.loading import build_engine
from ombuds.engine.serialize import notice_as_dict
from ombuds.errors import ConflictError
from ombuds.interfaces.demo.data import DemoSet, build_demo_set
from ombuds.interfaces.demo.stream import generate
from ombuds.interfaces.demo.summary import print_summary
from ombuds.matching.signals import default_registry
from ombuds.records import Store
from ombuds.settings import load_settings

_MARKER = ".ombuds-demo-workspace"  # only a folder we made ourselves is ever deleted


def _fresh_workspace(path: Path) -> None:
    if path.exists():
        if not (path / _MARKER).exists():
            raise ConflictError(
                "exists and is not a demo workspace; not replacing it", file=str(path)
            )
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / _MARKER).touch()


def _bank(store: Store, name: str, category: str, blobs: list[bytes]) -> None:
    store.create_bank(Bank(name, category, f"Generated {category} stand-ins for the demo."))
    entries = []
    for i, data in enumerate(blobs):
        content = Content(f"seed-{name}-{i}", ContentKind.FILE, data=data)
        for signal_type in ("md5", "sha256"):
            signal = default_registry().get(signal_type).compute(content)
            assert signal is not None
            entries.append(
                BankEntry(
                    bank=name,
                    signal=signal,
                    category=category,
                    provenance="ombuds demo generator",
                    author="demo",
                    reason="confirmed by the demo's imaginary review team",
                )
            )
    store.add_entries(entries)


def _load(store: Store, demo: DemoSet) -> None:
    for lexicon in demo.lexicons:
        store.save_lexicon(lexicon)
    _bank(store, "demo-known-images", "abuse-imagery", demo.banned_images)
    _bank(store, "demo-known-files", "malware", demo.banned_files)
    for policy in demo.policies:
        store.save_policy(policy)


def run_demo(workspace: Path, *, messages: int, seed: int, console: Console) -> list[Decision]:
    _fresh_workspace(workspace)
    settings = load_settings(home=workspace, database_url=None)
    store = Store.open(settings.resolved_database_url())
    try:
        demo = build_demo_set(seed)
        _load(store, demo)
        engine = build_engine(store, settings, sink=StoreSink(store))
        console.print(
            f"workspace [bold]{workspace}[/]: {len(demo.policies)} policies, "
            f"{len(demo.lexicons)} lexicons, 2 banks; streaming {messages:,} items"
        )
        decisions: list[Decision] = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("moderating", total=messages)
            started = time.perf_counter()
            for content in generate(demo, messages, seed):
                decisions.append(engine.submit(content))
                bar.advance(task)
            engine.flush()
            seconds = time.perf_counter() - started
        print_summary(console, decisions, seconds, store.count_decisions())
        notice = next((d.notice for d in decisions if d.notice is not None), None)
        if notice is not None:
            console.print("A notice, as the affected user receives it:")
            console.print_json(data=notice_as_dict(notice))
        return decisions
    finally:
        store.close()
