"""`ombuds lexicon ...`: import, export, inspect and try out lexicons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombuds.interfaces.cli.common import OutputOption, cli_actor, output_stream, workspace_of
from ombuds.interfaces.cli.workspace import out
from ombuds.matching.text import compile_lexicons
from ombuds.records import dump_lexicon_json, read_lexicon_file

app = typer.Typer(help="Lexicons: terms, combinations and patterns.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Lexicon name.")]


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Lexicon JSON file.")],
    replace: Annotated[bool, typer.Option(help="Replace a lexicon of the same name.")] = False,
) -> None:
    """Import a lexicon from JSON (validated and compiled before anything is written)."""
    workspace = workspace_of(ctx)
    lexicon = read_lexicon_file(path)
    # Compiling catches patterns the automaton rejects before the store sees them.
    compile_lexicons([lexicon], backend=workspace.settings.text_backend)
    workspace.store.save_lexicon(lexicon, actor=cli_actor(), replace=replace)
    out.print(f"imported lexicon {lexicon.name}: {len(lexicon.rules):,} rules")


@app.command()
def export(ctx: typer.Context, name: NameArg, output: OutputOption = None) -> None:
    """Export a lexicon as JSON."""
    lexicon = workspace_of(ctx).store.get_lexicon(name)
    with output_stream(output) as fh:
        fh.write(dump_lexicon_json(lexicon))


@app.command("list")
def list_lexicons(ctx: typer.Context) -> None:
    """List lexicons."""
    table = Table("lexicon", "rules", "separator-insensitive", "description")
    for lexicon in workspace_of(ctx).store.list_lexicons():
        sep = "yes" if lexicon.separator_insensitive else "no"
        table.add_row(lexicon.name, f"{len(lexicon.rules):,}", sep, lexicon.description)
    out.print(table)


@app.command()
def show(ctx: typer.Context, name: NameArg) -> None:
    """Show a lexicon's rules."""
    lexicon = workspace_of(ctx).store.get_lexicon(name)
    table = Table("rule", "kind", "category", "terms / pattern")
    for rule in lexicon.rules:
        table.add_row(
            rule.rule_id, rule.kind, rule.category, rule.pattern or " + ".join(rule.terms)
        )
    out.print(table)


@app.command()
def delete(ctx: typer.Context, name: NameArg) -> None:
    """Delete a lexicon (refused while a policy uses it)."""
    workspace_of(ctx).store.delete_lexicon(name, actor=cli_actor())
    out.print(f"deleted lexicon {name}")


@app.command()
def test(
    ctx: typer.Context,
    name: NameArg,
    text: Annotated[str, typer.Argument(help="A message to try.")],
) -> None:
    """Show which rules of a lexicon a message triggers, after normalization."""
    workspace = workspace_of(ctx)
    lexicon = workspace.store.get_lexicon(name)
    matcher = compile_lexicons([lexicon], backend=workspace.settings.text_backend)
    matches = matcher.match(text)
    if not matches:
        out.print("no rule matched")
        return
    table = Table("rule", "category", "matched")
    for e in matches:
        table.add_row(e.rule_id, e.category, ", ".join(e.matched_text))
    out.print(table)
