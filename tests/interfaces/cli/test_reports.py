"""`ombuds report` end to end: a release, the same release again, the budget's exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ombuds.errors import ExitCode

from ..conftest import Run
from .files import scanned_workspace

WINDOW = ("--since", "2020-01-01", "--until", "2100-01-01")


@pytest.fixture
def scanned(run: Run, tmp_path: Path) -> None:
    scanned_workspace(run, tmp_path)


@pytest.mark.usefixtures("scanned")
def test_release_list_and_budget(run: Run) -> None:
    released = run("report", "transparency", *WINDOW, "--epsilon", "2", "--json")
    assert released.code == 0, released.stderr
    report = json.loads(released.stdout)
    assert report["epsilon"] == 2 and report["contributions_per_author"] == 10
    assert "scam" in report["sections"]["decisions_by_category"]["counts"]
    again = run("report", "transparency", *WINDOW, "--epsilon", "2", "--json")
    assert json.loads(again.stdout) == report
    table = run("report", "transparency", *WINDOW, "--epsilon", "2")
    assert table.code == 0 and "decisions_by_action" in table.stdout and "95 %" in table.stdout
    overlapping = ("--since", "2026-01-01", "--until", "2027-01-01", "--epsilon", "1.5")
    over = run("report", "transparency", *overlapping)  # 2 + 1.5 > 3
    assert over.code == ExitCode.CONFLICT
    assert "OMBUDS_REPORT_EPSILON_BUDGET" in over.stderr and "epsilon" in over.stderr
    listed = run("report", "list", "--json")
    assert [r["seq"] for r in json.loads(listed.stdout)] == [report["seq"]]
    assert run("ledger", "verify").code == 0


@pytest.mark.usefixtures("scanned")
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--since", "2026-02-01", "--until", "2026-01-01"), "until"),
        (("--since", "yesterday", "--until", "2026-01-01"), "--since"),
        ((*WINDOW, "--epsilon", "50"), "epsilon"),
    ],
)
def test_bad_windows_and_parameters_exit_3_naming_them(
    run: Run, args: tuple[str, ...], named: str
) -> None:
    result = run("report", "transparency", *args)
    assert result.code == ExitCode.INVALID_INPUT
    assert named in result.stderr
    assert json.loads(run("report", "list", "--json").stdout) == []
