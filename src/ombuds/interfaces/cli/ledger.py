"""`ombuds ledger ...` and `ombuds purge`: read and verify the ledger, apply retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ombuds.errors import LedgerBrokenError
from ombuds.interfaces.cli.common import parse_when, workspace_of
from ombuds.interfaces.cli.workspace import err, out
from ombuds.records.ledger import LedgerEntry, LedgerQuery

app = typer.Typer(
    help="The ledger: every change and decision batch, hash-chained.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
PURGE_ACTOR = "system:purge"


@app.command()
def verify(
    ctx: typer.Context,
    skip_decisions: Annotated[
        bool, typer.Option(help="Check the chain only, not every decision row (faster).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check every entry's digest and link, and the decisions they commit to.

    Exits 10 naming the first bad entry if anything was edited, removed or added.
    """
    result = workspace_of(ctx).store.verify_ledger(decisions=not skip_decisions)
    if as_json:
        print(json.dumps(result.as_dict(), sort_keys=True))
    if result.bad_seq is not None:
        raise LedgerBrokenError(result.bad_seq, result.problem)
    if not as_json:
        out.print(
            f"ledger ok: {result.checked:,} entries, {result.decisions_checked:,} decisions "
            f"rechecked; head {result.head_seq} {result.head_digest}"
        )


def _summary(entry: LedgerEntry) -> str:
    text = json.dumps(entry.payload, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


@app.command()
def show(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. bank.add.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor, e.g. cli:alice.")] = None,
    subject: Annotated[str | None, typer.Option(help="Only this subject, e.g. a bank.")] = None,
    since: Annotated[str | None, typer.Option(help="From this time, ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time, ISO 8601.")] = None,
    after: Annotated[int, typer.Option(min=0, help="Entries after this seq.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Entries to show.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Show ledger entries, oldest first; page on with --after <last seq>."""
    query = LedgerQuery(
        kind=kind,
        actor=actor,
        subject=subject,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        after=after,
        limit=limit,
    )
    entries = workspace_of(ctx).store.ledger_entries(query)
    if as_json:
        for entry in entries:
            print(json.dumps(entry.as_dict(), sort_keys=True, ensure_ascii=False))
        return
    table = Table("seq", "time", "kind", "actor", "subject", "payload", "digest")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.created_at.isoformat(timespec="seconds"),
            e.kind,
            escape(e.actor),
            escape(e.subject),
            escape(_summary(e)),
            e.digest[:12],
        )
    out.print(table)


def purge(
    ctx: typer.Context,
    now: Annotated[
        str | None, typer.Option(help="Purge as if it were this time, ISO 8601 (for tests).")
    ] = None,
    retention_days: Annotated[
        int | None,
        typer.Option(min=1, help="Override OMBUDS_RETENTION_DAYS for this run."),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Decisions per batch.")] = 1000,
) -> None:
    """Remove personal ids from decisions older than the retention period.

    A batch per transaction, each ledgered: safe to interrupt and run again.
    """
    workspace = workspace_of(ctx)
    store = workspace.store
    when = parse_when(now, "--now") or datetime.now(UTC)
    retention = timedelta(days=retention_days or workspace.settings.retention_days)
    due = store.purge_due(retention, now=when)
    with Progress(
        TextColumn("purging"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("purge", total=due)
        purged = store.purge(
            retention,
            actor=PURGE_ACTOR,
            now=when,
            batch_size=batch,
            on_batch=lambda done: progress.advance(task, done.decisions),
        )
    cutoff = (when - retention).isoformat(timespec="seconds")
    out.print(f"purged {purged:,} decisions recorded before {cutoff}")
