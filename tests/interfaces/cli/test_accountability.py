"""`ombuds notices`, `ombuds appeals` and `ombuds requests` end to end, with their exit codes.

The CLI's actor is the operating-system user (`cli:<LOGNAME>`), so the two-person rule is
exercised by switching LOGNAME between commands.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ombuds.engine import dsa_values
from ombuds.errors import ExitCode

from ..conftest import Run
from .files import scanned_workspace

PROFILE = {
    "format": "ombuds.dsa/1",
    "categories": {"scam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"},
    "territorial_scope": ["AT", "DE"],
}


@pytest.fixture
def notices(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A workspace that blocked two scam messages; their notice ids."""
    monkeypatch.setenv("LOGNAME", "alice")
    result = scanned_workspace(run, tmp_path)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return [r["notice"]["notice_id"] for r in rows if r["notice"]]


def test_notices_show_and_export(run: Run, notices: list[str], tmp_path: Path) -> None:
    shown = run("notices", "show", notices[0])
    assert shown.code == 0, shown.stderr
    notice = json.loads(shown.stdout)
    assert (notice["action"], notice["ground"], notice["matched"]) == (
        "block",
        "Terms of Service 4.2",
        ["s1"],
    )
    assert run("notices", "show", "ntc_nope").code == ExitCode.NOT_FOUND
    out = tmp_path / "sor.jsonl"
    no_profile = run("notices", "export", "--format", "dsa", "-o", str(out))
    assert no_profile.code == ExitCode.CONFLICT and "dsa-profile" in no_profile.stderr
    assert not out.exists()
    (tmp_path / "bad.json").write_text(json.dumps({**PROFILE, "territorial_scope": ["US"]}))
    bad = run("notices", "dsa-profile", "import", "bad.json")
    assert bad.code == ExitCode.INVALID_INPUT and "territorial_scope[0]" in bad.stderr
    (tmp_path / "profile.json").write_text(json.dumps(PROFILE))
    assert run("notices", "dsa-profile", "import", "profile.json").code == 0
    assert json.loads(run("notices", "dsa-profile", "show").stdout)["territorial_scope"] == [
        "AT",
        "DE",
    ]
    one = run("notices", "show", notices[0], "--format", "dsa")
    assert dsa_values.validate(json.loads(one.stdout)) == []
    exported = run("notices", "export", "--format", "dsa", "-o", str(out))
    assert exported.code == 0, exported.stderr
    statements = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["puid"] for s in statements] == notices
    assert all(dsa_values.validate(s) == [] for s in statements)
    own = run("notices", "export", "--format", "ombuds")
    assert [json.loads(line)["notice_id"] for line in own.stdout.splitlines()] == notices
    assert run("notices", "export", "--format", "pdf").code == ExitCode.USAGE
    late = run("notices", "export", "--since", "2030-01-01", "--until", "2029-01-01")
    assert late.code == ExitCode.INVALID_INPUT


def test_appeals_file_and_decide(run: Run, notices: list[str]) -> None:
    filed = run("appeals", "file", notices[0], "--statement", "I was warning people")
    assert filed.code == 0, filed.stderr
    appeal = json.loads(filed.stdout)
    assert (appeal["status"], appeal["opened_by"]) == ("open", "cli:alice")
    again = run("appeals", "file", notices[0], "--statement", "again")
    assert again.code == ExitCode.CONFLICT
    assert run("appeals", "file", "ntc_nope", "--statement", "x").code == ExitCode.NOT_FOUND
    assert run("appeals", "file", notices[1], "--statement", " ").code == ExitCode.INVALID_INPUT
    assert appeal["appeal_id"] in run("appeals", "list").stdout
    reversed_ = run(
        "appeals", "decide", appeal["appeal_id"], "--outcome", "reversed", "--reason", "a warning"
    )
    assert reversed_.code == 0, reversed_.stderr
    decided = json.loads(reversed_.stdout)
    assert decided["appeal"]["status"] == "reversed"
    assert decided["reversal"]["action"] == "allow"
    twice = run("appeals", "decide", appeal["appeal_id"], "--outcome", "upheld", "--reason", "x")
    assert twice.code == ExitCode.CONFLICT
    bad = run("appeals", "decide", appeal["appeal_id"], "--outcome", "maybe", "--reason", "x")
    assert bad.code == ExitCode.USAGE
    assert run("appeals", "show", "apl_nope").code == ExitCode.NOT_FOUND
    counts = json.loads(run("appeals", "counts").stdout)
    assert counts["appeals"]["by_outcome"] == {"open": 0, "upheld": 0, "reversed": 1}


def test_requests_two_people_and_a_recorded_disclosure(
    run: Run, notices: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = run(
        "requests",
        "register",
        "--party",
        "Prosecutor",
        "--kind",
        "authority",
        "--legal-basis",
        "Order 7/2026",
        "--content-id",
        "stdin:1",
        "--content-id",
        "stdin:3",
    )
    assert registered.code == 0, registered.stderr
    request_id = json.loads(registered.stdout)["request_id"]
    out = tmp_path / "disclosed.jsonl"
    early = run("requests", "disclose", request_id, "-o", str(out))
    assert early.code == ExitCode.CONFLICT and not out.exists()
    own = run("requests", "approve", request_id)
    assert own.code == ExitCode.CONFLICT and "two-person rule" in own.stderr
    monkeypatch.setenv("LOGNAME", "bob")
    approved = run("requests", "approve", request_id, "--reason", "order verified")
    assert approved.code == 0, approved.stderr
    assert json.loads(approved.stdout)["reviewed_by"] == "cli:bob"
    unwritable = run("requests", "disclose", request_id, "-o", str(tmp_path / "no" / "x"))
    assert unwritable.code == ExitCode.INVALID_INPUT, unwritable.stderr
    assert json.loads(run("requests", "show", request_id).stdout)["disclosures"] == []
    disclosed = run("requests", "disclose", request_id, "-o", str(out))
    assert disclosed.code == 0, disclosed.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["content_id"] for r in rows] == ["stdin:1", "stdin:3"]
    shown = json.loads(run("requests", "show", request_id).stdout)
    (record,) = shown["disclosures"]
    assert record["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert shown["status"] == "disclosed"
    assert request_id in run("requests", "list", "--status", "disclosed").stdout
    blanket = run(
        "requests", "register", "--party", "X", "--kind", "authority", "--legal-basis", "none"
    )
    assert blanket.code == ExitCode.INVALID_INPUT and "scope" in blanket.stderr
    assert run("requests", "refuse", "dreq_nope", "--reason", "x").code == ExitCode.NOT_FOUND
