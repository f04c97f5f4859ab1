"""The audit's report: a JSON file with every canary and sending, and tables for people.

Neither holds a key or a canary's bytes: canaries appear by their fingerprints (md5,
sha256, pdq), so anyone can check them against what the deployment banked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from statistics import median
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ombuds.errors import InputError
from ombuds.interfaces.audit.canaries import CANARY, CONTROL
from ombuds.interfaces.audit.protocol import INSIDE, AuditResult, Sending
from ombuds.interfaces.audit.verdict import CLEAN, LEAK

FORMAT = "ombuds.audit/1"
_STYLE = {CLEAN: "bold green", LEAK: "bold red"}


def _ms(values: Sequence[float]) -> float | None:
    return round(median(values), 1) if values else None


def _banked_before(items: Sequence[Sending]) -> int | None:
    asked = [s.banked_before for s in items if s.banked_before is not None]
    return sum(bool(banks) for banks in asked) if asked else None


def timing_rows(sendings: Sequence[Sending]) -> list[dict[str, Any]]:
    """Per set and kind, inside the scope: realtime (inline) against delayed (deferred)."""
    rows = []
    for group in (CANARY, CONTROL):
        for kind in ("file", "image"):
            items = [
                s for s in sendings if s.phase == INSIDE and s.group == group and s.kind == kind
            ]
            if not items:
                continue
            later = [s.later for s in items if s.later is not None]
            caught = [x.delay_s for x in later if x.action != "allow"]
            rows.append(
                {
                    "group": group,
                    "kind": kind,
                    "sent": len(items),
                    "in_a_bank_before": _banked_before(items),
                    "matched_inline": sum(s.known_inline for s in items),
                    "inline_ms_p50": _ms([s.latency_ms for s in items]),
                    "restricted_later": len(caught),
                    "bank_matched_later": sum(x.banked for x in later),
                    "delay_s_p50": round(median(caught), 2) if caught else None,
                    "delay_s_max": round(max(caught), 2) if caught else None,
                    "not_heard": sum(
                        s.later is None and not s.known_inline and s.action != "block"
                        for s in items
                    ),
                }
            )
    return rows


def as_json(result: AuditResult) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "run_id": result.run_id,
        "started_at": result.started_at.isoformat(),
        "finished_at": result.finished_at.isoformat(),
        "config": result.config,
        "verdict": asdict(result.verdict),
        "timing": timing_rows(result.sendings),
        "deferred_observed": result.deferred_observed,
        "closest_pdq_between_sets": result.closest_pdq,
        "canaries": [c.as_dict() for c in result.canaries],
        "sendings": [s.as_dict() for s in result.sendings],
        "warnings": result.warnings,
    }


def write_report(result: AuditResult, path: Path) -> None:
    """The report at `path`, written whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(json.dumps(as_json(result), indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", file=str(path)) from exc
    finally:
        partial.unlink(missing_ok=True)


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def timing_table(result: AuditResult) -> Table:
    table = Table(
        "set",
        "kind",
        "sent",
        "in a bank before",
        "matched inline",
        "inline ms p50",
        "restricted later",
        "bank match later",
        "delay s p50",
        "delay s max",
        "not heard",
        title="In scope: realtime (inline) vs delayed (deferred) filtering",
        caption="canaries were sent outside the scope first; controls are fresh",
    )
    for row in timing_rows(result.sendings):
        name = "canaries" if row["group"] == CANARY else "controls"
        table.add_row(
            name,
            "document" if row["kind"] == "file" else "image",
            *map(_cell, list(row.values())[2:]),
        )
    return table


def summary(result: AuditResult) -> RenderableType:
    v = result.verdict
    head = Text(f"verdict: {v.outcome.upper()}", style=_STYLE.get(v.outcome, "bold yellow"))
    counts = Text(
        f"known on first in-scope sight: canaries {v.canaries_known}/{v.canaries}, controls "
        f"{v.controls_known}/{v.controls} (one-sided Fisher p = {v.p_value:.3g}); "
        f"out-of-scope items analysed: {v.outside_analysed}"
    )
    reasons = [Text(f"- {reason}") for reason in v.reasons]
    warnings = [Text(f"warning: {w}", style="yellow") for w in result.warnings]
    return Group(timing_table(result), head, counts, *reasons, *warnings)
