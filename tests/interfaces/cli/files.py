"""The lexicon and policy files the CLI end-to-end tests start from."""

from __future__ import annotations

import json
from pathlib import Path

from ombuds.errors import ExitCode

from ..conftest import Result, Run

LEXICON = {
    "format": "ombuds.lexicon/1",
    "name": "scams",
    "description": "",
    "separator_insensitive": False,
    "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"}],
}
POLICY = {
    "format": "ombuds.policy/1",
    "name": "eu",
    "description": "",
    "scope": 'region == "EU"',
    "banks": [],
    "lexicons": ["scams"],
    "actions": {"scam": "block"},
    "default_action": "review",
    "ground": "Terms of Service 4.2",
    "enabled": True,
}


def scanned_workspace(run: Run, folder: Path) -> Result:
    """A workspace with LEXICON and POLICY that scanned two scam messages and a plain one
    (as JSON lines, in scope); the scan's result."""
    (folder / "lexicon.json").write_text(json.dumps(LEXICON))
    (folder / "policy.json").write_text(json.dumps(POLICY))
    assert run("init").code == 0
    assert run("lexicon", "import", "lexicon.json").code == 0
    assert run("policy", "import", "policy.json").code == 0
    lines = b"a zorbcoin giveaway\nhello\nzorbcoin giveaway again\n"
    result = run("scan", "-", "-a", "region=EU", "--format", "jsonl", stdin=lines)
    assert result.code == ExitCode.RESTRICTED
    return result
