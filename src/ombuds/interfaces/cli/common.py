"""Small helpers shared by the CLI's command groups."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO, overload

import typer

from ombuds.errors import InputError
from ombuds.interfaces.cli.workspace import Workspace

OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
]


def workspace_of(ctx: typer.Context) -> Workspace:
    workspace = ctx.find_root().obj
    assert isinstance(workspace, Workspace)
    return workspace


def cli_actor() -> str:
    """Who the ledger says ran a command: "cli:<os user>"."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (e.g. a container's bare uid)
        user = f"uid{os.getuid()}"
    return f"cli:{user}"


@overload
def parse_when(value: str, field: str) -> datetime: ...
@overload
def parse_when(value: str | None, field: str) -> datetime | None: ...
def parse_when(value: str | None, field: str) -> datetime | None:
    """An ISO 8601 date or datetime; naive values are taken as UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"not an ISO 8601 date or datetime: {value!r}", field=field) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file that appears only once it is completely written."""
    if path is None:
        yield sys.stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        partial.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from exc
    finally:
        partial.unlink(missing_ok=True)
