"""`ombuds key ...`: API keys for `ombuds serve`. A key's secret is shown once, at creation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ombuds.interfaces.cli.common import cli_actor, parse_when, workspace_of
from ombuds.interfaces.cli.workspace import err, out
from ombuds.records.repos.keys import Role

app = typer.Typer(help="API keys: who may call the HTTP service, as what.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Key name (who or what uses it).")]
_ROLES = ", ".join(r.value for r in Role)


@app.command()
def create(
    ctx: typer.Context,
    name: NameArg,
    role: Annotated[str, typer.Option(help=f"One of: {_ROLES}.")],
    expires: Annotated[str | None, typer.Option(help="Expiry, ISO 8601.")] = None,
) -> None:
    """Create a key and print its secret token (shown this once; only a hash is kept)."""
    expires_at = parse_when(expires, "--expires")
    store = workspace_of(ctx).store
    key, token = store.create_api_key(name, role, actor=cli_actor(), expires_at=expires_at)
    err.print(f"created {key.role.value} key {key.name}; store this token now, it is not kept:")
    # Plain stdout, so `TOKEN=$(ombuds key create ...)` captures the token alone.
    print(token)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """List keys (names, roles, expiry, status; never secrets)."""
    table = Table("name", "role", "key id", "created", "expires", "status")
    for key in workspace_of(ctx).store.list_api_keys():
        status = "revoked" if key.revoked_at else "active"
        table.add_row(
            key.name,
            key.role.value,
            key.key_id,
            key.created_at.isoformat(timespec="seconds"),
            key.expires_at.isoformat(timespec="seconds") if key.expires_at else "-",
            status,
        )
    out.print(table)


@app.command()
def revoke(ctx: typer.Context, name: NameArg) -> None:
    """Revoke a key at once; its name stays taken so records keep meaning one key."""
    workspace_of(ctx).store.revoke_api_key(name, actor=cli_actor())
    out.print(f"revoked key {name}")
