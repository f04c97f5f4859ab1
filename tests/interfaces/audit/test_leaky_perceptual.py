"""`ombuds audit` against a subtler leak: what was read out of scope is banked by PDQ hash
and MinHash, so nothing matches inline. The leak also banks what it reads *inside* the scope
within seconds, so the controls too are matched against a bank by the deferred tier: only
asking the banks before phase 2 tells canaries from controls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import Run
from .conftest import Deployment, audit_args


@pytest.mark.slow
def test_a_perceptual_leak_is_caught_by_asking_the_banks_first(
    leaky_perceptual: Deployment, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUDS_AUDIT_KEY", leaky_perceptual.platform_key)
    monkeypatch.setenv("OMBUDS_AUDIT_ADMIN_KEY", leaky_perceptual.admin_key)
    report = tmp_path / "report.json"

    result = run(*audit_args(leaky_perceptual.url, report, wait=10))

    assert result.code == 8, result.stdout + result.stderr
    data = json.loads(report.read_text())
    verdict = data["verdict"]
    assert (verdict["outcome"], verdict["canaries_known"], verdict["controls_known"]) == (
        "leak",
        4,
        0,
    )
    assert "known on their first in-scope sight" in verdict["reasons"][0]
    inside = [s for s in data["sendings"] if s["phase"] == "inside"]
    for sending in inside:
        assert sending["action"] != "block"  # nothing is known inline
        if sending["group"] == "canary":
            expected = "pdq" if sending["kind"] == "image" else "minhash"
            assert sending["banked_before"] == [f"confirmed-scams:{expected}"]
        else:
            assert sending["banked_before"] == []
    rows = {(r["group"], r["kind"]): r for r in data["timing"]}
    assert rows["canary", "file"]["in_a_bank_before"] == 3
    assert rows["control", "file"]["in_a_bank_before"] == 0
    # The deferred tier matched the controls against the bank too: banked in the meantime.
    assert rows["control", "file"]["bank_matched_later"] == 3
    canaries = {c["label"]: c for c in data["canaries"]}
    assert all(len(c["minhash"]) == 1024 for c in canaries.values() if c["kind"] == "file")
