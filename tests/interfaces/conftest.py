"""Run the CLI in process against a fresh workspace, capturing its output and exit code."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ombuds.interfaces.cli import app as cli_app
from ombuds.interfaces.cli import workspace


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OMBUDS_HOME", str(tmp_path / "ws"))
    monkeypatch.delenv("OMBUDS_DATABASE_URL", raising=False)
    monkeypatch.delenv("OMBUDS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, stdin: bytes = b"") -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        monkeypatch.setattr(sys, "stdout", stdout)
        monkeypatch.setattr(workspace.out, "file", stdout)
        monkeypatch.setattr(workspace.err, "file", stderr)
        monkeypatch.setattr(workspace.out, "width", 240)  # tables keep whole hashes on a line
        code = cli_app.main(list(args))
        return Result(code, stdout.getvalue(), stderr.getvalue())

    return invoke
