"""Transparency reports: keys from the configuration only, noise of the scale OpenDP
certifies, released once per window and parameters, and a budget that refuses overspending."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.domain import (
    Action,
    Bank,
    Decision,
    Evidence,
    Lexicon,
    LexiconRule,
    Policy,
    Reason,
    RuleKind,
    Tier,
)
from ombuds.domain.scope import Scope
from ombuds.engine.transparency import ReportRequest, key_domains, noisy_report, release
from ombuds.errors import ConflictError, InputError, MissingExtraError
from ombuds.records import Store
from ombuds.records.ledger.model import Kind
from ombuds.records.reports import Window

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOVEMBER = Window(T0, datetime(2026, 12, 1, tzinfo=UTC))
SECTIONS = 5
EU = Policy("eu", Scope('region == "EU"'), actions={"scam": Action.BLOCK})


def made(n: int, *, category: str = "scam", policy: str = "eu", author: str = "") -> Decision:
    evidence = (Evidence("lexicon", "scams", "r1", category),) if category else ()
    return Decision(
        decision_id=f"dcs_{n}",
        content_id=f"c{n}",
        author_id=author or f"user{n}",
        conversation_id="room",
        content_kind="text",
        action=Action.BLOCK if category else Action.ALLOW,
        reason=Reason.MATCHED if category else Reason.NO_MATCH,
        tier=Tier.INLINE,
        created_at=T0 + timedelta(minutes=n),
        elapsed_us=3.0,
        category=category,
        policy=policy,
        evidence=evidence,
    )


@pytest.fixture
def configured(store: Store) -> Store:
    store.save_policy(EU, actor="test")
    store.create_bank(Bank("known", "abuse"), actor="test")
    return store


def test_keys_come_from_the_configuration_and_unknown_values_count_as_other(
    configured: Store,
) -> None:
    configured.record_decisions(
        [made(0), made(1, category="secret-topic", policy="gone"), made(2, category="")]
    )
    configured.save_lexicon(
        Lexicon("words", (LexiconRule("r1", RuleKind.TERM, "spam", terms=("cheap pills",)),)),
        actor="test",
    )
    domains = key_domains(configured)
    assert domains["decisions_by_category"] == ["abuse", "scam", "spam", "none", "other"]
    assert domains["decisions_by_policy"] == ["eu", "none", "other"]
    entry, _ = release(configured, ReportRequest(NOVEMBER, epsilon=10), budget=10, actor="t")
    sections = entry.payload["sections"]
    for name, keys in domains.items():
        assert sorted(sections[name]["counts"]) == sorted(keys)  # the ledger sorts keys
    assert "secret-topic" not in str(entry.payload) and "gone" not in str(entry.payload)


def test_noise_has_the_scale_opendp_certifies_for_each_share(configured: Store) -> None:
    request = ReportRequest(NOVEMBER, epsilon=0.5, contributions=4)
    report = release(configured, request, budget=3, actor="t")[0].payload
    for section in report["sections"].values():
        assert section["epsilon"] == pytest.approx(0.5 / SECTIONS)
        assert section["scale"] == pytest.approx(4 * SECTIONS / 0.5)
        assert section["accuracy_95"] > section["scale"]
    assert report["mechanism"].startswith("discrete Laplace, OpenDP ")


def test_noisy_counts_are_calibrated_to_their_stated_accuracy(configured: Store) -> None:
    """Over 10,000 noisy cells, ~95 % fall within `accuracy_95` of the exact count (a bit
    more: the noise is integer, and the stated accuracy is a bound)."""
    keys = [f"k{i}" for i in range(50)]
    request = ReportRequest(NOVEMBER, epsilon=0.05, contributions=1)
    exact = {"s": dict.fromkeys(keys, 1000)}
    inside = total = 0
    for _ in range(200):
        section = noisy_report(request, exact, {"s": keys})["sections"]["s"]
        inside += sum(abs(v - 1_000) <= section["accuracy_95"] for v in section["counts"].values())
        total += len(keys)
    assert 0.945 <= inside / total <= 0.965
    assert section["scale"] == pytest.approx(20.0)  # one section gets all of ε


def test_large_counts_survive_the_noise(configured: Store) -> None:
    configured.record_decisions([made(n) for n in range(300)])
    report, _ = release(configured, ReportRequest(NOVEMBER, epsilon=10), budget=10, actor="t")
    section = report.payload["sections"]["decisions_by_category"]
    assert abs(section["counts"]["scam"] - 300) <= 5 * section["accuracy_95"]


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "", "zz"]), st.integers(min_value=0, max_value=10**6)
    )
)
def test_every_key_of_the_domain_and_only_those_with_a_count_of_at_least_zero(
    exact: dict[str, int],
) -> None:
    keys = ["a", "b", "none", "other"]
    request = ReportRequest(NOVEMBER, epsilon=0.01)
    counts = noisy_report(request, {"s": exact}, {"s": keys})["sections"]["s"]["counts"]
    assert list(counts) == keys
    assert all(isinstance(v, int) and v >= 0 for v in counts.values())


def test_the_same_request_returns_the_release_without_spending_again(configured: Store) -> None:
    request = ReportRequest(NOVEMBER, epsilon=2)
    first, new = release(configured, request, budget=3, actor="cli:a")
    assert new
    # The same window given with another offset is the same window.
    plus_2 = timezone(timedelta(hours=2))
    shifted = Window(NOVEMBER.since.astimezone(plus_2), NOVEMBER.until.astimezone(plus_2))
    again = release(configured, dataclasses.replace(request, window=shifted), budget=3, actor="b")
    assert again == (first, False)
    assert [e.kind for e in configured.reports.releases()] == [Kind.REPORT_TRANSPARENCY]


def test_overlapping_releases_share_the_budget(configured: Store) -> None:
    release(configured, ReportRequest(NOVEMBER, epsilon=2), budget=3, actor="t")
    overlapping = Window(T0 + timedelta(days=10), T0 + timedelta(days=40))
    with pytest.raises(ConflictError, match="budget exhausted") as refused:
        release(configured, ReportRequest(overlapping, epsilon=1.5), budget=3, actor="t")
    assert refused.value.field == "epsilon"
    assert len(configured.reports.releases()) == 1
    release(configured, ReportRequest(overlapping, epsilon=1), budget=3, actor="t")
    december = Window(NOVEMBER.until, NOVEMBER.until + timedelta(days=31))
    release(configured, ReportRequest(december, epsilon=2), budget=3, actor="t")  # 1 + 2
    assert configured.verify_ledger().ok


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ReportRequest(Window(NOVEMBER.until, NOVEMBER.since)), "until"),
        (ReportRequest(NOVEMBER, epsilon=0.005), "epsilon"),
        (ReportRequest(NOVEMBER, epsilon=11), "epsilon"),
        (ReportRequest(NOVEMBER, contributions=0), "contributions"),
        (ReportRequest(Window(T0.replace(tzinfo=None), NOVEMBER.until)), "since"),
    ],
)
def test_bad_requests_name_their_field(
    configured: Store, request_: ReportRequest, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        release(configured, request_, budget=3, actor="t")
    assert refused.value.field == field
    assert configured.reports.releases() == []


def test_without_opendp_the_error_names_the_extra(
    configured: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opendp.prelude", None)
    with pytest.raises(MissingExtraError, match=r"ombuds\[reports\]"):
        release(configured, ReportRequest(NOVEMBER), budget=3, actor="t")
    assert configured.reports.releases() == []
