"""`ombuds`: the command-line entry point. Errors become one line on stderr and a fixed exit code.

Exit codes (see ombuds.errors.ExitCode): 0 ok, 1 scan found restricted content, 2 usage,
3 invalid input, 4 not found, 5 conflict, 6 configuration, 7 server unreachable, 8 audit
found a leak, 9 audit inconclusive, 10 ledger does not verify, 70 internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ombuds.errors import ExitCode, OmbudsError
from ombuds.interfaces.cli import (
    appeals,
    audit,
    banks,
    keys,
    ledger,
    lexicons,
    notices,
    policies,
    reports,
    requests,
    scan,
)
from ombuds.interfaces.cli.workspace import Workspace, err, out

app = typer.Typer(
    name="ombuds",
    help="Accountable content moderation: scope first, notices, appeals, an open ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(banks.app, name="bank")
app.add_typer(lexicons.app, name="lexicon")
app.add_typer(policies.app, name="policy")
app.add_typer(keys.app, name="key")
app.add_typer(ledger.app, name="ledger")
app.add_typer(notices.app, name="notices")
app.add_typer(appeals.app, name="appeals")
app.add_typer(requests.app, name="requests")
app.add_typer(reports.app, name="report")
app.command("purge")(ledger.purge)
app.command("scan")(scan.scan)
app.command("audit")(audit.audit)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (overrides OMBUDS_HOME).", show_default=False),
]


@app.callback()
def _root(ctx: typer.Context, home: HomeOption = None) -> None:
    workspace = Workspace.from_options(home)
    ctx.obj = workspace
    ctx.call_on_close(workspace.close)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the workspace and its database (safe to run again: it only migrates)."""
    workspace: Workspace = ctx.obj
    workspace.settings.home.mkdir(parents=True, exist_ok=True)
    workspace.store  # noqa: B018 - opening the store creates and migrates the database
    out.print(f"workspace ready: {workspace.settings.home}")


@app.command()
def demo(
    ctx: typer.Context,
    messages: Annotated[int, typer.Option(min=10, help="How many items to stream.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed for the generated data.")] = 7,
    workspace_dir: Annotated[
        Path, typer.Option("--workspace", help="Fresh workspace to create (replaced if present).")
    ] = Path(".ombuds-demo"),
) -> None:
    """Generate a demo policy set and stream generated chat through the engine."""
    from ombuds.interfaces.demo import run_demo  # heavy imports only for this command

    run_demo(workspace_dir, messages=messages, seed=seed, console=out)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    access_log: Annotated[
        bool, typer.Option(help="Log a line per request (method, path, status).")
    ] = False,
) -> None:
    """Run the HTTP service (needs `ombuds[api]`); SIGINT or SIGTERM stops it cleanly."""
    from ombuds.interfaces.api.server import serve as run_server  # needs the api extra

    workspace: Workspace = ctx.obj
    run_server(workspace.settings, host, port, access_log=access_log)


def _debug() -> bool:
    return os.environ.get("OMBUDS_DEBUG", "").lower() in {"1", "true", "yes"}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this in process)."""
    try:
        result = app(args=argv, prog_name="ombuds", standalone_mode=False)
    except OmbudsError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: unknown option, bad value...
        err.print(f"[bold red]usage error:[/] {escape(exc.format_message())}")
        return int(ExitCode.USAGE)
    except Exception as exc:
        if _debug():
            raise
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
            "(set OMBUDS_DEBUG=1 for a traceback)"
        )
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else 0


def entry() -> None:
    sys.exit(main())
