"""`ombuds audit` against a real, clean `ombuds serve`: the deployment passes, and the audit
leaves nothing behind on it but the in-scope decisions it caused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ombuds.records import Store
from ombuds.settings import Settings

from ..conftest import Run
from .conftest import Deployment, audit_args


def _decisions(deployment: Deployment) -> int:
    settings = Settings(home=deployment.home, database_url=deployment.database_url)
    with Store.open(settings.resolved_database_url()) as store:
        return store.count_decisions()


def _webhooks(deployment: Deployment) -> list[object]:
    answer = httpx.get(
        f"{deployment.url}/v1/webhooks",
        headers={"Authorization": f"Bearer {deployment.admin_key}"},
        timeout=10,
    )
    assert answer.status_code == 200
    hooks: list[object] = answer.json()["webhooks"]
    return hooks


@pytest.mark.slow
def test_a_clean_deployment_passes(
    clean: Deployment, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUDS_AUDIT_KEY", clean.platform_key)
    monkeypatch.setenv("OMBUDS_AUDIT_ADMIN_KEY", clean.admin_key)
    before = _decisions(clean)
    report = tmp_path / "report.json"

    # The wait matters to a leaky deployment only (see test_leaky); it changes nothing here.
    result = run(*audit_args(clean.url, report, wait=2))

    assert result.code == 0, result.stdout + result.stderr
    assert "verdict: CLEAN" in result.stdout
    assert "realtime (inline) vs delayed (deferred)" in result.stdout
    data = json.loads(report.read_text())
    verdict = data["verdict"]
    assert verdict["outcome"] == "clean"
    assert (verdict["canaries_known"], verdict["controls_known"]) == (0, 0)
    assert (verdict["canaries"], verdict["controls"]) == (4, 4)
    outside = [s for s in data["sendings"] if s["phase"] == "outside"]
    inside = [s for s in data["sendings"] if s["phase"] == "inside"]
    assert len(outside) == 4 and len(inside) == 8
    # Out of scope: answered allow, no decision id, nothing heard about them later.
    assert all(s["reason"] == "out_of_scope" and not s["decision_id"] for s in outside)
    assert all(s["later"] is None for s in outside)
    # In scope: delivered at first, then restricted by the deferred tier after a delay.
    assert all(s["action"] == "allow" and s["reason"] == "no_match" for s in inside)
    assert all(s["banked_before"] == [] for s in inside)  # every bank was asked: none held it
    for sending in inside:
        later = sending["later"]
        assert later is not None and later["action"] == "block", sending
        assert later["via"] == ("ocr" if sending["kind"] == "image" else "document")
        assert later["delay_s"] > 0 and later["server_ms"] > 0
    rows = data["timing"]
    assert [r["bank_matched_later"] for r in rows] == [0, 0, 0, 0]  # lexicon hits, not banks
    assert sum(r["restricted_later"] for r in rows) == 8
    # Two decisions per in-scope item (inline, deferred), none for the out-of-scope ones.
    assert _decisions(clean) - before == 16
    assert _webhooks(clean) == []
    canaries = data["canaries"]
    assert len({c["md5"] for c in canaries}) == len({c["sha256"] for c in canaries}) == 8
    assert all(c["pdq"] for c in canaries if c["kind"] == "image")
    text = report.read_text() + result.stdout + result.stderr
    for key in (clean.platform_key, clean.admin_key):
        assert key not in text and key.split("_", 2)[2] not in text


def test_bad_keys_stop_the_audit_before_anything_is_sent(
    clean: Deployment, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = _decisions(clean)
    report = tmp_path / "report.json"
    monkeypatch.setenv("OMBUDS_AUDIT_KEY", "omb_0000000000000000_not-a-secret")
    unknown = run(*audit_args(clean.url, report))
    assert unknown.code == 6
    assert "OMBUDS_AUDIT_KEY" in unknown.stderr and "401" in unknown.stderr

    monkeypatch.setenv("OMBUDS_AUDIT_KEY", clean.platform_key)
    monkeypatch.setenv("OMBUDS_AUDIT_ADMIN_KEY", clean.platform_key)  # not an admin key
    wrong_role = run(*audit_args(clean.url, report))
    assert wrong_role.code == 6
    assert "OMBUDS_AUDIT_ADMIN_KEY" in wrong_role.stderr and "403" in wrong_role.stderr
    assert clean.platform_key not in wrong_role.stderr

    assert not report.exists()
    assert _decisions(clean) == before
    assert _webhooks(clean) == []
