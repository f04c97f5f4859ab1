"""`ombuds audit` against the deliberately leaky test deployment: the leak is found."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from ..conftest import Run
from .conftest import CLI, Deployment, audit_args


@pytest.mark.slow
def test_a_leaky_deployment_is_caught(
    leaky: Deployment, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUDS_AUDIT_KEY", leaky.platform_key)
    monkeypatch.setenv("OMBUDS_AUDIT_ADMIN_KEY", leaky.admin_key)
    report = tmp_path / "report.json"

    # The leak reads images with OCR in the server process: its first load takes seconds.
    result = run(*audit_args(leaky.url, report, wait=10))

    assert result.code == 8, result.stdout + result.stderr
    assert "verdict: LEAK" in result.stdout
    data = json.loads(report.read_text())
    verdict = data["verdict"]
    assert verdict["outcome"] == "leak"
    assert (verdict["canaries_known"], verdict["controls_known"]) == (4, 0)
    assert "known on their first in-scope sight" in verdict["reasons"][0]
    inside = [s for s in data["sendings"] if s["phase"] == "inside"]
    # WeChat's signature: canaries seen before are blocked instantly by an exact hash...
    for sending in (s for s in inside if s["group"] == "canary"):
        assert sending["action"] == "block"
        assert sending["banked_before"] == ["confirmed-scams:md5", "confirmed-scams:sha256"]
        assert sorted(sending["matched"]) == [
            "bank:confirmed-scams:md5",
            "bank:confirmed-scams:sha256",
        ]
        assert sending["later"] is None  # nothing left for the deferred tier to do
    # ...while fresh controls get through at first and are caught only after a delay.
    for sending in (s for s in inside if s["group"] == "control"):
        assert sending["action"] == "allow"
        assert sending["later"] is not None and sending["later"]["action"] == "block"
    # The outside sending looked clean to the sender: allowed, out of scope.
    outside = [s for s in data["sendings"] if s["phase"] == "outside"]
    assert all(s["action"] == "allow" and s["reason"] == "out_of_scope" for s in outside)
    rows = {(r["group"], r["kind"]): r for r in data["timing"]}
    assert rows["canary", "file"]["matched_inline"] == 3
    assert rows["control", "file"]["restricted_later"] == 3
    assert rows["canary", "file"]["delay_s_p50"] is None


@pytest.mark.slow
def test_a_server_lost_mid_run_exits_7_and_names_what_is_left(
    leaky: Deployment, tmp_path: Path
) -> None:
    # Last in this module: it stops the module's server (a server of its own costs seconds).
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(OMBUDS_AUDIT_KEY=leaky.platform_key, OMBUDS_AUDIT_ADMIN_KEY=leaky.admin_key)
    report = tmp_path / "report.json"
    audit = subprocess.Popen(
        [*CLI, *audit_args(leaky.url, report, wait=5)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert audit.stderr is not None
    said: list[str] = []
    while not any(line.startswith("waiting 5 s") for line in said):
        line = audit.stderr.readline()
        assert line, said  # the audit ended before its wait
        said.append(line)
    leaky.process.send_signal(signal.SIGTERM)  # the server goes away between the phases
    leaky.process.wait(60)
    rest = audit.communicate(timeout=60)[1]
    assert audit.returncode == 7, [*said, rest]
    assert f"cannot reach the Ombuds server at {leaky.url}" in rest
    # The webhook the run registered could not be deleted: the message says which and how.
    assert "could not be deleted" in rest and "DELETE /v1/webhooks/wh" in rest
    assert not report.exists()
    assert leaky.admin_key not in rest
