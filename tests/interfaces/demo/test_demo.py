"""End to end: `ombuds demo` on a fresh workspace, checked through its summary and its database."""

import importlib.util
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
    outcome = run_demo(tmp_path / "demo", messages=1500, seed=3, console=console)
    text = console.export_text()
    final = outcome.final()
    assert len(outcome.inline) == len(final) == 1500
    for heading in ("Final decisions by action", "Matches by category", "Final decisions by tier",
                    "What the deferred tier did", "Signals computed by signal type",
                    "Throughput"):  # fmt: skip
        assert heading in text
    assert {Action.ALLOW, Action.BLOCK, Action.LABEL, Action.REVIEW} <= {d.action for d in final}
    categories = {d.category for d in final}
    assert {"scam", "spam", "harassment", "abuse-imagery", "malware"} <= categories
    out_of_scope = [d for d in outcome.inline if d.reason is Reason.OUT_OF_SCOPE]
    analysed = len(outcome.inline) - len(out_of_scope)
    assert out_of_scope and analysed
    assert all(d.signal_types == () and not d.decision_id for d in out_of_scope)
    # The deferred tier caught copies the inline tier let through (re-encoded, mirrored).
    caught = [d for d in outcome.deferred if d.action is Action.BLOCK and d.evidence]
    assert any(e.signal_type == "pdq" and e.distance for d in caught for e in d.evidence)
    assert any(e.transform not in ("", "original") for d in caught for e in d.evidence)
    assert any(e.signal_type == "minhash" for d in caught for e in d.evidence)
    assert any(e.via == "document" for d in caught for e in d.evidence)
    if importlib.util.find_spec("rapidocr_onnxruntime") is not None:  # the `ocr` extra
        assert any(e.via == "ocr" and e.boxes for d in caught for e in d.evidence)
    db = sqlite3.connect(tmp_path / "demo" / "ombuds.db")
    stored = db.execute("select count(*) from decisions").fetchone()[0]
    ids = {row[0] for row in db.execute("select content_id from decisions")}
    auto_banked = db.execute(
        "select count(*) from bank_entries where author = 'policy:eu-safety'"
    ).fetchone()[0]
    db.close()
    assert stored == analysed + len(outcome.deferred)
    assert not ids & {d.content_id for d in out_of_scope}
    assert auto_banked > 0
    restricted = [d for d in final if d.action.restricts]
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
        assert "Final decisions by action" in result.stdout
        assert "chain verified" in result.stdout
    assert (tmp_path / "d" / _MARKER).exists()
