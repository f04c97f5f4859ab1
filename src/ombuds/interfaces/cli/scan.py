"""`ombuds scan PATH...|-`: run files, folders or stdin messages through the engine."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import Progress
from rich.table import Table

from ombuds.domain import AttributeValue, Content, ContentKind, Decision
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


def _report(run: _Run, label: str, decision: Decision, fmt: str) -> None:
    run.restricted += decision.action.restricts
    if fmt == "jsonl":
        sys.stdout.write(json.dumps({"item": label, **decision_as_dict(decision)}) + "\n")
    else:
        run.rows.append((label, decision))


def _scan_files(
    engine: Engine, paths: list[Path], make: Callable[[Path, bytes], Content], run: _Run, fmt: str
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
            _report(run, str(path), engine.submit(content), fmt)


def _table(rows: list[tuple[str, Decision]]) -> Table:
    table = Table("item", "kind", "action", "reason", "category", "policy", "evidence")
    for label, d in rows:
        evidence = ", ".join(f"{e.name}/{e.rule_id}" for e in d.evidence)
        table.add_row(
            label, d.content_kind, d.action.value, d.reason.value, d.category, d.policy, evidence
        )
    return table


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
) -> None:
    """Check content against the policies. Exit 1 if any is restricted, 3 on bad input."""
    workspace = workspace_of(ctx)
    attributes = dict(parse_attribute(a) for a in attr or [])
    store = workspace.store
    engine = build_engine(store, workspace.settings, sink=StoreSink(store) if record else None)
    run = _Run()
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
            _report(run, label, engine.submit(content), fmt)
    else:

        def make(path: Path, data: bytes) -> Content:
            return content_of_file(
                path, data, author_id=author, conversation_id=conversation, attributes=attributes
            )

        _scan_files(engine, [Path(p) for p in paths], make, run, fmt)
    engine.flush()
    if fmt == "table":
        out.print(_table(run.rows))
    code = ExitCode.OK
    if run.problems:
        code = ExitCode.INVALID_INPUT
    elif run.restricted:
        code = ExitCode.RESTRICTED
    raise typer.Exit(int(code))
