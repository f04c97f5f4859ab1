"""`ombuds policy ...`: import, export and inspect policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombuds.interfaces.cli.common import OutputOption, cli_actor, output_stream, workspace_of
from ombuds.interfaces.cli.workspace import out
from ombuds.records import dump_policy_json, read_policy_file

app = typer.Typer(help="Policies: scope, banks, lexicons, actions.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Policy name.")]


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Policy JSON file.")],
    replace: Annotated[bool, typer.Option(help="Replace a policy of the same name.")] = False,
) -> None:
    """Import a policy from JSON; its banks and lexicons must exist."""
    policy = read_policy_file(path)
    workspace_of(ctx).store.save_policy(policy, actor=cli_actor(), replace=replace)
    out.print(f"imported policy {policy.name}")


@app.command()
def export(ctx: typer.Context, name: NameArg, output: OutputOption = None) -> None:
    """Export a policy as JSON."""
    policy = workspace_of(ctx).store.get_policy(name)
    with output_stream(output) as fh:
        fh.write(dump_policy_json(policy))


@app.command("list")
def list_policies(ctx: typer.Context) -> None:
    """List policies with their scopes."""
    table = Table("policy", "enabled", "scope", "banks", "lexicons")
    for p in workspace_of(ctx).store.list_policies():
        table.add_row(
            p.name,
            "yes" if p.enabled else "no",
            p.scope.source,
            ", ".join(p.banks),
            ", ".join(p.lexicons),
        )
    out.print(table)


@app.command()
def show(ctx: typer.Context, name: NameArg) -> None:
    """Show one policy, including its action per category."""
    p = workspace_of(ctx).store.get_policy(name)
    out.print(f"[bold]{p.name}[/]  {p.description}")
    out.print(f"scope:    {p.scope.source}", markup=False)
    out.print(f"ground:   {p.ground}", markup=False)
    out.print(f"banks:    {', '.join(p.banks) or '-'}", markup=False)
    out.print(f"lexicons: {', '.join(p.lexicons) or '-'}", markup=False)
    table = Table("category", "action")
    for category, action in sorted(p.actions.items()):
        table.add_row(category, action.value)
    table.add_row("(any other)", p.default_action.value)
    out.print(table)


@app.command()
def delete(ctx: typer.Context, name: NameArg) -> None:
    """Delete a policy."""
    workspace_of(ctx).store.delete_policy(name, actor=cli_actor())
    out.print(f"deleted policy {name}")
