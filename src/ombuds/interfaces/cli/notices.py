"""`ombuds notices ...`: read notices, and export them as DSA statements of reasons."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ombuds.engine.accountability_views import notice_record_as_dict
from ombuds.engine.dsa import load_profile, save_profile, statement
from ombuds.errors import InputError
from ombuds.interfaces.cli.common import (
    OutputOption,
    cli_actor,
    output_stream,
    parse_when,
    workspace_of,
)
from ombuds.interfaces.cli.workspace import err

app = typer.Typer(help="Notices: the statements of reasons users get.", no_args_is_help=True)
profile_app = typer.Typer(
    help="The DSA profile: Ombuds categories to DSA categories, territorial scope.",
    no_args_is_help=True,
)
app.add_typer(profile_app, name="dsa-profile")

NoticeArg = Annotated[str, typer.Argument(help="Notice id (ntc_...).")]


class Format(StrEnum):
    DSA = "dsa"  # the DSA Transparency Database's statement of reasons
    OMBUDS = "ombuds"  # Ombuds' own notice, as `GET /v1/notices/{id}` answers


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"


@app.command()
def show(
    ctx: typer.Context,
    notice_id: NoticeArg,
    format_: Annotated[Format, typer.Option("--format", help="dsa or ombuds.")] = Format.OMBUDS,
) -> None:
    """Print one notice as JSON."""
    store = workspace_of(ctx).store
    record = store.notices.get(notice_id)
    data = notice_record_as_dict(record)
    if format_ is Format.DSA:
        data = statement(record, load_profile(store))
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@app.command()
def export(
    ctx: typer.Context,
    format_: Annotated[Format, typer.Option("--format", help="dsa or ombuds.")] = Format.DSA,
    since: Annotated[str | None, typer.Option(help="From this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    output: OutputOption = None,
) -> None:
    """Export notices, oldest first, as JSON lines (with -o, the file appears only once
    complete). For dsa, every category must be mapped first: nothing is written otherwise."""
    store = workspace_of(ctx).store
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    if start and end and start >= end:
        raise InputError("--until must be after --since", field="--until")
    profile = load_profile(store) if format_ is Format.DSA else None
    if profile is not None:
        for policy, category in sorted(store.notices.categories(since=start, until=end)):
            profile.category_for(policy, category)  # ConflictError before any output
    count = 0
    with output_stream(output) as fh:
        for record in store.notices.iter_records(since=start, until=end):
            data = notice_record_as_dict(record) if profile is None else statement(record, profile)
            fh.write(_line(data))
            count += 1
    err.print(f"exported {count} notice(s) as {format_.value}")


@profile_app.command("import")
def import_profile(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="DSA profile JSON file.")]
) -> None:
    """Validate and store the DSA profile (replacing the previous one)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", file=str(path)) from exc
    try:
        profile = save_profile(workspace_of(ctx).store, document, actor=cli_actor())
    except InputError as exc:
        exc.file = str(path)
        raise
    err.print(
        f"DSA profile imported: {len(profile.categories)} categories mapped, "
        f"territorial scope {', '.join(profile.territorial_scope)}"
    )


@profile_app.command("show")
def show_profile(ctx: typer.Context) -> None:
    """Print the stored DSA profile."""
    profile = load_profile(workspace_of(ctx).store)
    print(json.dumps(profile.to_document(), indent=2, sort_keys=True))
