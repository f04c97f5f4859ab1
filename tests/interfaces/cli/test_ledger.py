"""`ombuds ledger verify|show` and `ombuds purge`, end to end through the CLI."""

from __future__ import annotations

import getpass
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ombuds.errors import ExitCode

from ..conftest import Run
from .files import LEXICON, POLICY


@pytest.fixture
def workspace(run: Run, tmp_path: Path) -> Path:
    """A lexicon, a policy, a bank and four scanned messages, all through the CLI."""
    (tmp_path / "lexicon.json").write_text(json.dumps(LEXICON))
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    for args in (
        ("lexicon", "import", "lexicon.json"),
        ("policy", "import", "policy.json"),
        ("bank", "create", "known", "--category", "abuse"),
        ("bank", "add", "known", "--signal", f"md5:{'ab' * 16}", "--reason", "report 12"),
    ):
        assert run(*args).code == 0, args
    lines = b"zorbcoin giveaway\nhello\nzorbcoin giveaway today\nhi\n"
    assert run("scan", "-", "-a", "region=EU", "--format", "jsonl", stdin=lines).code == 1
    return tmp_path / "ws" / "ombuds.db"


def entries(run: Run, *args: str) -> list[dict[str, object]]:
    result = run("ledger", "show", "--json", *args)
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_show_lists_who_did_what(run: Run, workspace: Path) -> None:
    shown = entries(run)
    assert [e["kind"] for e in shown] == [
        "lexicon.save",
        "policy.save",
        "bank.create",
        "bank.add",
        "decisions",
    ]
    me = f"cli:{getpass.getuser()}"
    assert {e["actor"] for e in shown[:4]} == {me}
    bank_add = shown[3]["payload"]
    assert isinstance(bank_add, dict)
    assert (bank_add["count"], bank_add["reasons"], bank_add["origin"]) == (1, ["report 12"], "cli")
    assert [e["seq"] for e in entries(run, "--kind", "bank.add")] == [4]
    assert [e["seq"] for e in entries(run, "--after", "2", "--limit", "2")] == [3, 4]
    table = run("ledger", "show", "--subject", "known")
    assert table.code == 0
    assert "bank.create" in table.stdout and "bank.add" in table.stdout


def test_verify_passes_then_names_an_edited_entry(run: Run, workspace: Path) -> None:
    ok = run("ledger", "verify")
    assert ok.code == ExitCode.OK, ok.stderr
    assert "ledger ok: 5 entries, 4 decisions rechecked" in ok.stdout
    with sqlite3.connect(workspace) as db:
        db.execute("UPDATE ledger_entries SET actor = 'cli:someone-else' WHERE seq = 3")
    broken = run("ledger", "verify")
    assert broken.code == ExitCode.LEDGER_BROKEN == 10
    assert "ledger entry 3: its digest does not match its contents" in broken.stderr
    as_json = run("ledger", "verify", "--json")
    assert as_json.code == ExitCode.LEDGER_BROKEN
    assert json.loads(as_json.stdout)["bad_seq"] == 3


def test_verify_names_an_edited_decision_batch(run: Run, workspace: Path) -> None:
    with sqlite3.connect(workspace) as db:
        db.execute("UPDATE decisions SET action = 'allow' WHERE action = 'block'")
    broken = run("ledger", "verify")
    assert broken.code == ExitCode.LEDGER_BROKEN
    assert "ledger entry 5: decision" in broken.stderr
    assert run("ledger", "verify", "--skip-decisions").code == ExitCode.OK


def test_purge_moves_the_clock_and_the_ledger_still_verifies(
    run: Run, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = datetime.now(UTC) + timedelta(days=10)
    assert run("purge", "--now", soon.isoformat()).stdout.startswith("purged 0 decisions")
    later = (datetime.now(UTC) + timedelta(days=181)).isoformat()
    result = run("purge", "--now", later, "--batch", "3")
    assert result.code == ExitCode.OK, result.stderr
    assert result.stdout.startswith("purged 4 decisions recorded before")
    with sqlite3.connect(workspace) as db:
        left = db.execute("SELECT COUNT(*) FROM decisions WHERE author_id != ''").fetchone()
    assert left == (0,)
    purges = entries(run, "--kind", "purge")
    assert [(e["actor"], e["payload"]["count"]) for e in purges] == [  # type: ignore[index]
        ("system:purge", 3),
        ("system:purge", 1),
    ]
    assert run("ledger", "verify").code == ExitCode.OK
    assert run("purge", "--now", later).stdout.startswith("purged 0 decisions")


def test_retention_comes_from_the_settings(
    run: Run, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_20_days = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    assert run("purge", "--now", in_20_days).stdout.startswith("purged 0")
    monkeypatch.setenv("OMBUDS_RETENTION_DAYS", "10")
    assert run("purge", "--now", in_20_days).stdout.startswith("purged 4")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ledger", "show", "--since", "yesterday"), ExitCode.INVALID_INPUT, "--since"),
        (("purge", "--now", "soon"), ExitCode.INVALID_INPUT, "--now"),
        (("ledger", "show", "--limit", "0"), ExitCode.USAGE, "limit"),
        (("purge", "--retention-days", "0"), ExitCode.USAGE, "retention-days"),
    ],
)
def test_bad_input_exits_with_its_code(
    run: Run, args: tuple[str, ...], code: ExitCode, message: str
) -> None:
    result = run(*args)
    assert result.code == code
    assert message in result.stderr
