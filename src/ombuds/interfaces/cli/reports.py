"""`ombuds report ...`: release and list transparency reports (differential privacy)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from ombuds.engine.transparency import ReportRequest, release
from ombuds.interfaces.cli.common import cli_actor, parse_when, workspace_of
from ombuds.interfaces.cli.workspace import out
from ombuds.records.reports import Window

app = typer.Typer(
    help="Transparency reports: counts with differential-privacy noise, ledgered.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="The report as JSON.")]


@app.command()
def transparency(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="Window start, ISO 8601 (UTC if no offset).")],
    until: Annotated[str, typer.Option(help="Window end, exclusive, ISO 8601.")],
    epsilon: Annotated[
        float, typer.Option(help="Privacy loss this release spends (split over sections).")
    ] = 1.0,
    contributions: Annotated[
        int, typer.Option(help="Rows one author may contribute to each section.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """Release the report for a window (spends budget), or show the one already released
    for the same window and parameters."""
    workspace = workspace_of(ctx)
    request = ReportRequest(
        Window(parse_when(since, "--since"), parse_when(until, "--until")), epsilon, contributions
    )
    entry, _new = release(
        workspace.store,
        request,
        budget=workspace.settings.report_epsilon_budget,
        actor=cli_actor(),
    )
    if as_json:
        print(json.dumps({"seq": entry.seq, **entry.payload}, ensure_ascii=False, indent=2))
        return
    _print_report(entry.seq, entry.payload)


def _print_report(seq: int, report: dict[str, Any]) -> None:
    out.print(
        f"transparency report (ledger seq {seq}): {report['since']} to {report['until']}, "
        f"ε={report['epsilon']:g}, at most {report['contributions_per_author']} rows per author"
    )
    for name, section in report["sections"].items():
        table = Table("key", "noisy count", title=name)
        for key, count in section["counts"].items():
            table.add_row(key, f"{count:,}")
        table.caption = f"±{section['accuracy_95']:,.0f} at 95 %; ε={section['epsilon']:g}"
        out.print(table)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every report released, oldest first, with the ε each spent."""
    entries = workspace_of(ctx).store.reports.releases()
    if as_json:
        rows = [{"seq": e.seq, **e.payload} for e in entries]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("seq", "since", "until", "ε", "per author", "released by")
    for e in entries:
        p = e.payload
        table.add_row(
            str(e.seq),
            p["since"],
            p["until"],
            f"{p['epsilon']:g}",
            str(p["contributions_per_author"]),
            e.actor,
        )
    out.print(table)
