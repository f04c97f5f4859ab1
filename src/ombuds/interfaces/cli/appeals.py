"""`ombuds appeals ...`: file, list and decide appeals against notices.

A reversal decided here is sent to the webhooks before the command ends (within
OMBUDS_WEBHOOK_TIMEOUT_S); a running `ombuds serve` reads the disabled bank entries from
the ledger within OMBUDS_FOLLOW_INTERVAL_S.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from ombuds.domain.appeal import AppealOutcome, AppealStatus
from ombuds.engine.accountability import transparency_counts
from ombuds.engine.accountability_views import appeal_as_dict
from ombuds.engine.appeals import AppealDesk, Deliver
from ombuds.engine.serialize import decision_as_dict
from ombuds.errors import MissingExtraError
from ombuds.interfaces.cli.common import cli_actor, workspace_of
from ombuds.interfaces.cli.workspace import Workspace, err, out

app = typer.Typer(help="Appeals: a second person reviews a restriction.", no_args_is_help=True)

AppealArg = Annotated[str, typer.Argument(help="Appeal id (apl_...).")]


class Status(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REVERSED = "reversed"
    ALL = "all"


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@contextmanager
def _webhooks(workspace: Workspace) -> Iterator[Deliver | None]:
    """The webhook dispatcher while the command runs, drained when it ends; None when no
    webhook is registered."""
    store = workspace.store
    if not store.webhook_targets():
        yield None
        return
    try:
        from ombuds.interfaces.api.webhook_delivery import WebhookDispatcher
    except ModuleNotFoundError as exc:  # the api package needs FastAPI
        raise MissingExtraError(exc.name or "fastapi", "api") from exc
    dispatcher = WebhookDispatcher(store.webhook_targets, workspace.settings)
    dispatcher.start()
    try:
        yield dispatcher.enqueue
    finally:
        dispatcher.close()


@app.command("file")
def file_(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(help="Notice id (ntc_...).")],
    statement: Annotated[str, typer.Option(help="The user's own words.")],
) -> None:
    """File an appeal against a notice on a user's behalf."""
    appeal = AppealDesk(workspace_of(ctx).store).file(notice_id, statement, actor=cli_actor())
    _print(appeal_as_dict(appeal))


@app.command("list")
def list_appeals(
    ctx: typer.Context,
    status: Annotated[Status, typer.Option(help="open, upheld, reversed or all.")] = Status.OPEN,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List appeals, oldest first."""
    wanted = None if status is Status.ALL else AppealStatus(status.value)
    table = Table("appeal", "notice", "status", "opened", "decided by")
    for a in workspace_of(ctx).store.appeals.list_appeals(status=wanted, limit=limit):
        opened = a.opened_at.isoformat(timespec="seconds")
        table.add_row(a.appeal_id, a.notice_id, a.status.value, opened, a.decided_by or "-")
    out.print(table)


@app.command()
def show(ctx: typer.Context, appeal_id: AppealArg) -> None:
    """Print one appeal as JSON."""
    _print(appeal_as_dict(workspace_of(ctx).store.appeals.get(appeal_id)))


@app.command()
def decide(
    ctx: typer.Context,
    appeal_id: AppealArg,
    outcome: Annotated[AppealOutcome, typer.Option(help="upheld or reversed.")],
    reason: Annotated[str, typer.Option(help="Why; the user is told.")],
) -> None:
    """Uphold or reverse an appeal (not as someone who took the first decision)."""
    workspace = workspace_of(ctx)
    with _webhooks(workspace) as deliver:
        desk = AppealDesk(workspace.store, deliver=deliver)
        result = desk.decide(appeal_id, outcome, reason, actor=cli_actor())
    reversal = result.reversal
    _print(
        {
            "appeal": appeal_as_dict(result.appeal),
            "reversal": None if reversal is None else decision_as_dict(reversal),
        }
    )
    if result.appeal.disabled_entries:
        err.print(
            "disabled bank entries take effect in a running server within "
            "OMBUDS_FOLLOW_INTERVAL_S (it follows the ledger)"
        )


@app.command()
def counts(ctx: typer.Context) -> None:
    """Accountability counts for the transparency report (exact, before any noise)."""
    _print(transparency_counts(workspace_of(ctx).store))
