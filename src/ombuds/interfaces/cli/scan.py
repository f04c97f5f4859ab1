"""`ombuds scan PATH...|-`: run files, folders or stdin messages through the engine."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import Progress
from rich.table import Table

from ombuds.domain import AttributeValue, Content, ContentKind, Decision, Evidence
from ombuds.engine import Engine, StoreSink
from ombuds.engine.loading import build_engine
from ombuds.engine.serialize import decision_as_dict
from ombuds.errors import ExitCode, InputError, OmbudsError
from ombuds.interfaces.cli.common import workspace_of
from ombuds.interfaces.cli.files import content_of_file, read_limited, walk
from ombuds.interfaces.cli.workspace import err, out

_PROGRESS_FROM = 50  # files: fewer finish before a bar would be worth drawing


@dataclass
class _Run:
    rows: list[tuple[str, Decision]] = field(default_factory=list)
    problems: int = 0
    restricted: int = 0
    # Deferred decisions by the inline decision they supersede; filled from worker threads.
    later: dict[str, Decision] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deferred(self, decision: Decision) -> None:
        with self.lock:
            self.later[decision.supersedes or ""] = decision

    def final(self) -> list[tuple[str, Decision]]:
        with self.lock:
            return [(label, self.later.get(d.decision_id, d)) for label, d in self.rows]


def parse_attribute(spec: str) -> tuple[str, AttributeValue]:
    """`key=value`; values `true`/`false`, integers and decimals keep their type."""
    key, sep, raw = spec.partition("=")
    if not sep or not key.strip():
        raise InputError(f"expected KEY=VALUE, got {spec!r}", field="--attr")
    value: AttributeValue = raw
    if raw in {"true", "false"}:
        value = raw == "true"
    else:
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
    return key.strip(), value


def _stdin_messages(run: _Run) -> Iterator[tuple[str, str]]:
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            run.problems += 1
            err.print(f"error: stdin:{number}: not valid UTF-8 at byte {exc.start}", markup=False)
            continue
        if text:
            yield f"stdin:{number}", text


def _wait_for_deferred(engine: Engine) -> None:
    tier = engine.deferred
    if tier is None:
        return
    depth = tier.queue.depth()
    with Progress(console=err, transient=True, disable=depth < _PROGRESS_FROM) as bar:
        task = bar.add_task("deferred analysis", total=depth)
        while not tier.drain(timeout=0.2):
            bar.update(task, completed=depth - tier.queue.depth())
    engine.close()


def _print(run: _Run, fmt: str) -> None:
    final = run.final()
    run.restricted = sum(d.action.restricts for _, d in final)
    if fmt == "jsonl":
        for label, decision in final:
            sys.stdout.write(json.dumps({"item": label, **decision_as_dict(decision)}) + "\n")
    else:
        out.print(_table(final))


def _scan_files(
    engine: Engine, paths: list[Path], make: Callable[[Path, bytes], Content], run: _Run
) -> None:
    files = list(walk(paths))
    with Progress(console=err, transient=True, disable=len(files) < _PROGRESS_FROM) as bar:
        task = bar.add_task("scanning", total=len(files))
        for path in files:
            bar.advance(task)
            try:
                content = make(path, read_limited(path, engine.max_file_bytes))
            except OmbudsError as exc:
                run.problems += 1
                err.print(f"error: {exc}", markup=False)
                continue
            run.rows.append((str(path), engine.submit(content)))


def _table(rows: list[tuple[str, Decision]]) -> Table:
    table = Table("item", "kind", "action", "tier", "reason", "category", "policy", "evidence")
    for label, d in rows:
        evidence = ", ".join(_evidence_label(e) for e in d.evidence)
        table.add_row(
            label,
            d.content_kind,
            d.action.value,
            d.tier.value,
            d.reason.value,
            d.category,
            d.policy,
            evidence or d.detail,
        )
    return table


def _evidence_label(e: Evidence) -> str:
    label = f"{e.name}/{e.rule_id}"
    if e.distance:
        label += f" (distance {e.distance})"
    if e.via:
        label += f" in {e.via} text"
    return label


def scan(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="Files, folders, or - for one message per line.")
    ],
    attr: Annotated[
        list[str] | None, typer.Option("--attr", "-a", help="Scope attribute KEY=VALUE.")
    ] = None,
    author: Annotated[str, typer.Option(help="Author id given to every item.")] = "cli",
    conversation: Annotated[str, typer.Option(help="Conversation id.")] = "cli",
    fmt: Annotated[
        Literal["table", "jsonl"], typer.Option("--format", help="table or JSON lines.")
    ] = "table",
    record: Annotated[bool, typer.Option(help="Store decisions in the workspace.")] = True,
    workers: Annotated[
        int, typer.Option(min=0, help="Deferred-tier worker processes (0: one per core).")
    ] = 0,
) -> None:
    """Check content against the policies, then wait for the deferred tier (images, files).

    Prints each item's final decision. Exit 1 if any is restricted, 3 on bad input.
    """
    workspace = workspace_of(ctx)
    attributes = dict(parse_attribute(a) for a in attr or [])
    store = workspace.store
    settings = workspace.settings.model_copy(
        update={"deferred_workers": workers or os.cpu_count() or 1}
    )
    run = _Run()
    engine = build_engine(
        store,
        settings,
        sink=StoreSink(store) if record else None,
        deferred=paths != ["-"],
        on_decision=run.deferred,
    )
    if paths == ["-"]:
        for label, text in _stdin_messages(run):
            content = Content(
                content_id=label,
                kind=ContentKind.TEXT,
                text=text,
                author_id=author,
                conversation_id=conversation,
                attributes=attributes,
            )
            run.rows.append((label, engine.submit(content)))
    else:

        def make(path: Path, data: bytes) -> Content:
            return content_of_file(
                path, data, author_id=author, conversation_id=conversation, attributes=attributes
            )

        _scan_files(engine, [Path(p) for p in paths], make, run)
    _wait_for_deferred(engine)
    engine.flush()
    _print(run, fmt)
    code = ExitCode.OK
    if run.problems:
        code = ExitCode.INVALID_INPUT
    elif run.restricted:
        code = ExitCode.RESTRICTED
    raise typer.Exit(int(code))
