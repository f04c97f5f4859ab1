"""`ombuds bank ...`: create banks, add and remove entries, import and export CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.errors import InputError
from ombuds.interfaces.cli.common import (
    OutputOption,
    cli_actor,
    output_stream,
    parse_when,
    workspace_of,
)
from ombuds.interfaces.cli.files import content_of_file, read_limited
from ombuds.interfaces.cli.workspace import out
from ombuds.matching.signals import default_registry
from ombuds.records import export_bank_csv, import_bank_csv

app = typer.Typer(help="Hash banks: named lists of signals with provenance.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Bank name.")]


@app.command()
def create(
    ctx: typer.Context,
    name: NameArg,
    category: Annotated[str, typer.Option(help="Category of the bank's entries.")],
    description: Annotated[str, typer.Option(help="What the bank holds and why.")] = "",
    threshold: Annotated[
        int | None, typer.Option(min=0, help="Perceptual match threshold for this bank.")
    ] = None,
) -> None:
    """Create an empty bank."""
    if not name.strip():
        raise InputError("bank name must not be empty", field="name")
    bank = Bank(name=name, category=category, description=description, threshold=threshold)
    workspace_of(ctx).store.create_bank(bank, actor=cli_actor())
    out.print(f"created bank {name}")


@app.command("list")
def list_banks(ctx: typer.Context) -> None:
    """List banks with their entry counts."""
    table = Table("bank", "category", "entries", "description")
    for bank, count in workspace_of(ctx).store.list_banks():
        table.add_row(bank.name, bank.category, f"{count:,}", bank.description)
    out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    name: NameArg,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Show a bank's entries, a page at a time."""
    entries = workspace_of(ctx).store.list_entries(name, offset=offset, limit=limit)
    table = Table("public id", "type", "category", "author", "reason", "enabled")
    # A hash cut in two cannot be copied: the signal column never wraps.
    table.add_column("signal", no_wrap=True)
    for e in entries:
        table.add_row(
            e.public_id,
            e.signal.signal_type,
            e.category,
            e.author,
            e.reason,
            "yes" if e.enabled else "no",
            e.signal.value,
        )
    out.print(table)


def _signal_of_option(spec: str) -> Signal:
    signal_type, sep, value = spec.partition(":")
    if not sep:
        raise InputError(f"expected TYPE:VALUE, got {spec!r}", field="--signal")
    canonical = default_registry().get(signal_type).parse(value)
    return Signal(signal_type, canonical)


def _signals_of_file(path: Path, max_bytes: int) -> list[Signal]:
    content = content_of_file(path, read_limited(path, max_bytes))
    computed = (t.compute(content) for t in default_registry() if t.applies_to(content))
    return [s for s in computed if s is not None]


@app.command()
def add(
    ctx: typer.Context,
    name: NameArg,
    files: Annotated[list[Path] | None, typer.Argument(help="Images or files to bank.")] = None,
    signal: Annotated[
        list[str] | None, typer.Option("--signal", "-s", help="A signal as TYPE:VALUE.")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why these entries are banked.")] = "",
    author: Annotated[str, typer.Option(help="Who banks them.")] = "",
    provenance: Annotated[str, typer.Option(help="Where they come from.")] = "cli",
    category: Annotated[str | None, typer.Option(help="Category (default: bank's).")] = None,
    expires: Annotated[str | None, typer.Option(help="Expiry, ISO 8601.")] = None,
) -> None:
    """Add entries: every signal of the given files, and/or signals given as TYPE:VALUE."""
    workspace = workspace_of(ctx)
    bank = workspace.store.get_bank(name)
    signals = [_signal_of_option(s) for s in signal or []]
    for path in files or []:
        signals.extend(_signals_of_file(path, workspace.settings.max_file_bytes))
    if not signals:
        raise InputError("nothing to add: give files or --signal TYPE:VALUE")
    expires_at = parse_when(expires, "--expires")
    entries = [
        BankEntry(
            bank=name,
            signal=s,
            category=category or bank.category,
            provenance=provenance,
            author=author,
            reason=reason,
            expires_at=expires_at,
        )
        for s in dict.fromkeys(signals)
    ]
    for entry in workspace.store.add_entries(entries, actor=cli_actor(), origin="cli"):
        sig = entry.signal
        out.print(f"added {entry.public_id} {sig.signal_type}:{sig.value}")


@app.command()
def remove(
    ctx: typer.Context,
    name: NameArg,
    signal_type: Annotated[str, typer.Argument(help="Signal type, e.g. md5.")],
    value: Annotated[str, typer.Argument(help="Signal value.")],
) -> None:
    """Remove one entry from a bank."""
    canonical = default_registry().get(signal_type).parse(value)
    workspace_of(ctx).store.remove_entry(name, signal_type, canonical, actor=cli_actor())
    out.print(f"removed {signal_type}:{canonical} from {name}")


@app.command("import")
def import_(
    ctx: typer.Context,
    name: NameArg,
    path: Annotated[Path, typer.Argument(help="CSV file (Ombuds or HMA shape).")],
    author: Annotated[str, typer.Option(help="Who imports the entries.")] = "",
) -> None:
    """Import a bank CSV atomically: one bad row rejects the whole file."""
    store = workspace_of(ctx).store
    result = import_bank_csv(store, name, path, actor=cli_actor(), author=author)
    out.print(f"imported into {name}: {result.added:,} added, {result.skipped:,} already present")


@app.command()
def export(
    ctx: typer.Context,
    name: NameArg,
    output: OutputOption = None,
    shape: Annotated[
        Literal["ombuds", "hma"], typer.Option(help="CSV columns: Ombuds' own or HMA's.")
    ] = "ombuds",
) -> None:
    """Export a bank as CSV."""
    store = workspace_of(ctx).store
    store.get_bank(name)
    with output_stream(output) as fh:
        export_bank_csv(store, name, fh, shape=shape)
