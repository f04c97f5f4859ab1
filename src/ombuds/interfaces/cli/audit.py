"""`ombuds audit URL`: the canary audit against a running deployment (see interfaces.audit).

Keys come from the environment, never from the command line (where process listings and
shell histories would show them): OMBUDS_AUDIT_KEY, a platform key, sends the canaries;
OMBUDS_AUDIT_ADMIN_KEY, optional, registers the webhook that hears deferred decisions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ombuds.domain import AttributeValue
from ombuds.errors import ConfigError, ExitCode, InputError
from ombuds.interfaces.cli.scan import parse_attribute
from ombuds.interfaces.cli.workspace import err, out

KEY_VARIABLE = "OMBUDS_AUDIT_KEY"
ADMIN_KEY_VARIABLE = "OMBUDS_AUDIT_ADMIN_KEY"
_EXIT = {"clean": ExitCode.OK, "leak": ExitCode.LEAK, "inconclusive": ExitCode.INCONCLUSIVE}

Outside = Annotated[
    list[str], typer.Option(help="KEY=VALUE no policy covers, e.g. conversation_type=private.")
]
Inside = Annotated[
    list[str], typer.Option(help="KEY=VALUE the audited policy covers (repeat for several).")
]


def _attributes(specs: list[str], option: str) -> dict[str, AttributeValue]:
    parsed: dict[str, AttributeValue] = {}
    for spec in specs:
        try:
            key, value = parse_attribute(spec)
        except InputError as exc:
            raise InputError(exc.message, field=option) from None
        parsed[key] = value
    return parsed


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InputError(f"expected HOST:PORT, got {value!r}", field="--listen")
    return host.strip("[]"), int(port)


def _check_folder(report: Path | None) -> None:
    # Before the run, not after minutes of it.
    if report is not None and not report.parent.resolve().is_dir():
        raise InputError("the report's folder does not exist", field="--report", file=str(report))


def audit(
    url: Annotated[str, typer.Argument(help="The deployment's API, e.g. http://127.0.0.1:8000")],
    outside: Outside,
    inside: Inside,
    term: Annotated[list[str], typer.Option(help="Text the policy's lexicon catches (repeat).")],
    documents: Annotated[int, typer.Option(help="Documents per set.")] = 3,
    images: Annotated[int, typer.Option(help="Images per set (OCR: ~1 s each).")] = 1,
    wait: Annotated[float, typer.Option(help="Seconds between the two sendings.")] = 30.0,
    deferred_timeout: Annotated[
        float, typer.Option(help="Longest wait for deferred decisions, in seconds.")
    ] = 120.0,
    timeout: Annotated[float, typer.Option(help="Timeout of one request, in seconds.")] = 30.0,
    listen: Annotated[
        str, typer.Option(help="HOST:PORT where deferred decisions are received (0: any).")
    ] = "127.0.0.1:0",
    callback_url: Annotated[
        str | None, typer.Option(help="Base URL the server reaches --listen by, if not that.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="JSON report file (default ombuds-audit-<run>.json).")
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of the Fisher test.")] = 0.01,
) -> int:
    """Check that a deployment analyses only in-scope content (exit 0 clean, 8 leak,
    9 inconclusive, 7 server unreachable)."""
    from ombuds.interfaces.audit import AuditConfig, run_audit
    from ombuds.interfaces.audit.report import summary, write_report

    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise ConfigError("set it to a platform key of the deployment", field=KEY_VARIABLE)
    host, port = _listen(listen)
    config = AuditConfig(
        base_url=url,
        key=key,
        admin_key=os.environ.get(ADMIN_KEY_VARIABLE, "").strip() or None,
        outside=_attributes(outside, "--outside"),
        inside=_attributes(inside, "--inside"),
        terms=tuple(term),
        documents=documents,
        images=images,
        wait_s=wait,
        deferred_timeout_s=deferred_timeout,
        request_timeout_s=timeout,
        listen_host=host,
        listen_port=port,
        callback_url=callback_url,
        alpha=alpha,
    )
    config.check()
    _check_folder(report)
    if config.admin_key is None:
        err.print(f"no {ADMIN_KEY_VARIABLE}: deferred decisions will not be observed")
    result = run_audit(config, say=lambda message: err.print(message, markup=False))
    path = report or Path(f"ombuds-audit-{result.run_id}.json")
    write_report(result, path)
    out.print(summary(result))
    out.print(f"report: {path}", markup=False)
    return int(_EXIT[result.verdict.outcome])
