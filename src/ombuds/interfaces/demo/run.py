"""Run the demo: a fresh SQLite workspace, the generated policy set, a stream, a summary."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ombuds.domain import Bank, BankEntry, Content, Decision
from ombuds.engine import Engine, StoreSink
from ombuds.engine.banking import Banker
from ombuds.engine.loading import build_engine
from ombuds.engine.serialize import notice_as_dict
from ombuds.errors import ConflictError
from ombuds.extraction.sniff import kind_of
from ombuds.interfaces.demo.data import DemoSet, build_demo_set
from ombuds.interfaces.demo.stream import generate
from ombuds.interfaces.demo.summary import Outcome, print_summary
from ombuds.matching.signals import default_registry
from ombuds.records import Store
from ombuds.settings import Settings, load_settings

_MARKER = ".ombuds-demo-workspace"  # only a folder we made ourselves is ever deleted
_PROVENANCE = "ombuds demo generator"
_REASON = "confirmed by the demo's imaginary review team"
_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())


def _fresh_workspace(path: Path) -> None:
    if path.exists():
        if not (path / _MARKER).exists():
            raise ConflictError(
                "exists and is not a demo workspace; not replacing it", file=str(path)
            )
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / _MARKER).touch()


# The demo seeds its workspace as a job, not as whoever ran it.
_ACTOR = "system:demo"


def _bank(store: Store, name: str, category: str, blobs: list[bytes]) -> None:
    bank = Bank(name, category, f"Generated {category} stand-ins for the demo.")
    store.create_bank(bank, actor=_ACTOR)
    entries = []
    for i, data in enumerate(blobs):
        content = Content(f"seed-{name}-{i}", kind_of(data), data=data)
        for signal_type in default_registry():
            signal = signal_type.compute(content) if signal_type.applies_to(content) else None
            if signal is not None:
                entries.append(BankEntry(name, signal, category, _PROVENANCE, "demo", _REASON))
    store.add_entries(entries, actor=_ACTOR, origin="demo")


def _load(store: Store, demo: DemoSet) -> None:
    for lexicon in demo.lexicons:
        store.save_lexicon(lexicon, actor=_ACTOR)
    _bank(store, "demo-known-images", "abuse-imagery", demo.banned_images)
    _bank(store, "demo-known-files", "malware", demo.banned_files)
    for policy in demo.policies:
        store.save_policy(policy, actor=_ACTOR)


class _Collector:
    """Deferred decisions arrive on worker threads; the banker learns from each."""

    def __init__(self, banker: Banker) -> None:
        self.decisions: list[Decision] = []
        self._banker = banker
        self._lock = threading.Lock()

    def __call__(self, decision: Decision) -> None:
        self._banker.on_decision(decision)
        with self._lock:
            self.decisions.append(decision)


def _stream(engine: Engine, demo: DemoSet, messages: int, seed: int, console: Console) -> Outcome:
    inline: list[Decision] = []
    with Progress(*_COLUMNS, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("moderating (inline tier)", total=messages)
        started = time.perf_counter()
        for content in generate(demo, messages, seed):
            inline.append(engine.submit(content))
            bar.advance(task)
        inline_s = time.perf_counter() - started
        tier = engine.deferred
        assert tier is not None
        depth = tier.queue.depth()
        task = bar.add_task("deferred tier (PDQ, OCR, documents)", total=depth)
        while not tier.drain(timeout=0.1):
            bar.update(task, completed=depth - tier.queue.depth())
        total_s = time.perf_counter() - started
    return Outcome(inline, [], inline_s, total_s)


def _settings(workspace: Path) -> Settings:
    workers = max(1, (os.cpu_count() or 2))
    return load_settings(
        home=workspace, database_url=None, queue="process", deferred_workers=workers
    )


def _show_ledger(store: Store, console: Console) -> None:
    """What an auditor checks: every change and decision batch, chained and verified."""
    check = store.verify_ledger()
    state = "[green]verified[/]" if check.ok else f"[red]BROKEN at seq {check.bad_seq}[/]"
    console.print(
        f"Ledger: {check.checked:,} entries, {check.decisions_checked:,} decision rows "
        f"rechecked, chain {state}; head {check.head_digest[:16]}… "
        "(`ombuds ledger verify` checks it again)"
    )


def run_demo(workspace: Path, *, messages: int, seed: int, console: Console) -> Outcome:
    _fresh_workspace(workspace)
    settings = _settings(workspace)
    store = Store.open(settings.resolved_database_url())
    try:
        demo = build_demo_set(seed)
        _load(store, demo)
        banker = Banker(store)
        collector = _Collector(banker)
        engine = build_engine(
            store, settings, sink=StoreSink(store), deferred=True, on_decision=collector
        )
        banker.attach(engine)
        console.print(
            f"workspace [bold]{workspace}[/]: {len(demo.policies)} policies, "
            f"{len(demo.lexicons)} lexicons, 2 banks; streaming {messages:,} items"
        )
        outcome = _stream(engine, demo, messages, seed, console)
        engine.close()
        outcome.deferred.extend(collector.decisions)
        print_summary(console, outcome, store.count_decisions())
        notice = next((d.notice for d in outcome.final() if d.notice is not None), None)
        if notice is not None:
            console.print("A notice, as the affected user receives it:")
            console.print_json(data=notice_as_dict(notice))
        _show_ledger(store, console)
        return outcome
    finally:
        store.close()
