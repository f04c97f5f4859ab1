"""`ombuds requests ...`: data access requests from authorities and third parties.

The one who registers a request cannot approve or refuse it (two-person rule; the CLI user
is the operating-system user, the API's the key); nothing is disclosed before approval, and
every disclosure is recorded with the SHA-256 of exactly what was written.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from ombuds.domain.data_request import DataScope, PartyKind, RequestStatus
from ombuds.engine.accountability import disclose, register
from ombuds.engine.accountability_views import data_request_as_dict, disclosure_as_dict
from ombuds.interfaces.cli.common import (
    OutputOption,
    cli_actor,
    output_stream,
    parse_when,
    workspace_of,
)
from ombuds.interfaces.cli.workspace import err, out

app = typer.Typer(
    help="Data access requests: two people, then a recorded disclosure.", no_args_is_help=True
)

RequestArg = Annotated[str, typer.Argument(help="Request id (dreq_...).")]


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    DISCLOSED = "disclosed"
    ALL = "all"


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@app.command("register")
def register_(
    ctx: typer.Context,
    party: Annotated[str, typer.Option(help="Who asks: the authority or third party.")],
    kind: Annotated[PartyKind, typer.Option(help="authority or third_party.")],
    legal_basis: Annotated[str, typer.Option(help="The law, order or agreement relied on.")],
    author_id: Annotated[
        list[str] | None, typer.Option(help="An author the request is about.")
    ] = None,
    content_id: Annotated[
        list[str] | None, typer.Option(help="A content item it is about.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Decisions from this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Decisions before this time.")] = None,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
) -> None:
    """Register a request; it waits for someone else's approval."""
    scope = DataScope(
        author_ids=tuple(author_id or ()),
        content_ids=tuple(content_id or ()),
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
    )
    request = register(
        workspace_of(ctx).store,
        requesting_party=party,
        party_kind=kind,
        legal_basis=legal_basis,
        scope=scope,
        description=description,
        actor=cli_actor(),
    )
    _print(data_request_as_dict(request))


@app.command("list")
def list_requests(
    ctx: typer.Context,
    status: Annotated[Status, typer.Option(help="A status, or all.")] = Status.ALL,
) -> None:
    """List requests, oldest first."""
    wanted = None if status is Status.ALL else RequestStatus(status.value)
    table = Table("request", "party", "legal basis", "status", "registered by", "reviewed by")
    for r in workspace_of(ctx).store.data_requests.list_requests(status=wanted, limit=10_000):
        table.add_row(
            r.request_id,
            r.requesting_party,
            r.legal_basis,
            r.status.value,
            r.registered_by,
            r.reviewed_by or "-",
        )
    out.print(table)


@app.command()
def show(ctx: typer.Context, request_id: RequestArg) -> None:
    """Print one request and its disclosures as JSON."""
    repo = workspace_of(ctx).store.data_requests
    data = data_request_as_dict(repo.get(request_id))
    data["disclosures"] = [disclosure_as_dict(d) for d in repo.disclosures(request_id)]
    _print(data)


def _review(ctx: typer.Context, request_id: str, *, approve: bool, reason: str) -> None:
    repo = workspace_of(ctx).store.data_requests
    reviewed = repo.review(request_id, approve=approve, reason=reason, actor=cli_actor())
    _print(data_request_as_dict(reviewed))


@app.command()
def approve(
    ctx: typer.Context, request_id: RequestArg, reason: Annotated[str, typer.Option()] = ""
) -> None:
    """Approve a pending request (not one you registered)."""
    _review(ctx, request_id, approve=True, reason=reason)


@app.command()
def refuse(
    ctx: typer.Context, request_id: RequestArg, reason: Annotated[str, typer.Option()]
) -> None:
    """Refuse a pending request (not one you registered)."""
    _review(ctx, request_id, approve=False, reason=reason)


@app.command("disclose")
def disclose_(ctx: typer.Context, request_id: RequestArg, output: OutputOption = None) -> None:
    """Write what an approved request covers as JSON lines, and record the disclosure."""
    # The file is opened first: an unwritable path is refused before anything is recorded.
    with output_stream(output) as fh:
        disclosure, data = disclose(workspace_of(ctx).store, request_id, actor=cli_actor())
        fh.write(data.decode("utf-8"))
    err.print(
        f"disclosure {disclosure.disclosure_id}: {len(disclosure.decision_ids)} decision(s), "
        f"sha256 {disclosure.sha256}"
    )
