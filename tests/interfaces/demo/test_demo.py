"""End to end: `ombuds demo` on a fresh workspace, checked through its summary and its database."""

import sqlite3
from pathlib import Path

import pytest
from rich.console import Console

from ombuds.domain import Action, Reason
from ombuds.errors import ExitCode
from ombuds.interfaces.demo import run_demo
from ombuds.interfaces.demo.run import _MARKER

from ..conftest import Run


def test_demo_streams_and_summarises(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    decisions = run_demo(tmp_path / "demo", messages=1500, seed=3, console=console)
    text = console.export_text()
    assert len(decisions) == 1500
    for heading in ("Decisions by action", "Matches by category", "Decisions by tier",
                    "Signals computed by signal type", "Throughput"):  # fmt: skip
        assert heading in text
    actions = {d.action for d in decisions}
    assert {Action.ALLOW, Action.BLOCK, Action.LABEL, Action.REVIEW} <= actions
    categories = {d.category for d in decisions}
    assert {"scam", "spam", "harassment", "abuse-imagery", "malware"} <= categories
    out_of_scope = [d for d in decisions if d.reason is Reason.OUT_OF_SCOPE]
    analysed = len(decisions) - len(out_of_scope)
    assert out_of_scope and analysed
    assert all(d.signal_types == () and not d.decision_id for d in out_of_scope)
    db = sqlite3.connect(tmp_path / "demo" / "ombuds.db")
    stored = db.execute("select count(*) from decisions").fetchone()[0]
    ids = {row[0] for row in db.execute("select content_id from decisions")}
    db.close()
    assert stored == analysed
    assert not ids & {d.content_id for d in out_of_scope}
    assert f"Decisions stored: {analysed:,}" in text
    restricted = [d for d in decisions if d.action.restricts]
    assert restricted and all(d.notice is not None for d in restricted)


def test_demo_refuses_to_replace_a_folder_it_did_not_make(run: Run, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    result = run("demo", "--workspace", str(precious), "--messages", "10")
    assert result.code == ExitCode.CONFLICT
    assert (precious / "thesis.txt").exists()


@pytest.mark.slow
def test_demo_command_runs_twice(run: Run, tmp_path: Path) -> None:
    for _ in range(2):
        result = run("demo", "--workspace", str(tmp_path / "d"), "--messages", "300")
        assert result.code == 0, result.stderr
        assert "Decisions by action" in result.stdout
    assert (tmp_path / "d" / _MARKER).exists()
