"""A case outcome is a decision of its own: confirming blocks with a notice that says a
person decided, rejecting clears, escalating decides nothing; recorded and ledgered with
the case's closing, and delivered to the platform."""

from __future__ import annotations

import pytest

from ombuds.domain import Action, Bank, Content, ContentKind, Decision, Outcome, Policy
from ombuds.domain.scope import Scope
from ombuds.engine import StoreSink
from ombuds.engine.banking import Banker
from ombuds.engine.loading import build_engine
from ombuds.engine.review import ReviewDesk
from ombuds.errors import ConflictError
from ombuds.records import Store
from ombuds.settings import Settings

EU = {"region": "EU"}


def _reviewed(store: Store, data: bytes = b"suspect bytes") -> tuple[str, Decision]:
    """A stored review decision and its open case."""
    store.create_bank(Bank("suspect", "suspect"), actor="test")
    store.create_bank(Bank("known", "abuse"), actor="test")
    store.save_policy(
        Policy(
            "eu",
            Scope.parse('region == "EU"'),
            banks=("suspect", "known"),
            actions={"suspect": Action.REVIEW, "abuse": Action.BLOCK},
            ground="ToS 4.2",
        ),
        actor="test",
    )
    item = Content("c1", ContentKind.FILE, data=data, author_id="u1", attributes=EU)
    Banker(store).bank_content(item, "eu", "suspect", author="a", reason="r", actor="test")
    engine = build_engine(store, Settings(queue="sync", ocr=False), sink=StoreSink(store))
    decision = engine.submit(item)
    engine.close()
    assert decision.action is Action.REVIEW
    (case,) = store.list_cases()
    return case.case_id, decision


def _desk(store: Store, delivered: list[Decision]) -> ReviewDesk:
    return ReviewDesk(store, appeal_url="https://example.org/appeal", deliver=delivered.append)


def test_confirming_blocks_with_a_human_notice(store: Store) -> None:
    case_id, reviewed = _reviewed(store)
    delivered: list[Decision] = []
    result = _desk(store, delivered).decide(
        case_id, Outcome.CONFIRM, by="mod1", reason="scam", actor="api:mod1", bank="known"
    )
    decision = result.decision
    assert decision is not None and decision.action is Action.BLOCK
    assert decision.supersedes == reviewed.decision_id
    assert delivered == [decision]
    stored = store.get_decision(decision.decision_id)
    assert stored.notice is not None
    assert (stored.notice.automated_detection, stored.notice.automated_decision) == (True, False)
    assert stored.notice.ground == "ToS 4.2"
    assert stored.notice.how_to_appeal.endswith(stored.notice.notice_id)
    assert len(result.banked) == 2  # md5 and sha256
    assert store.verify_ledger().ok


def test_rejecting_clears_without_a_notice(store: Store) -> None:
    case_id, reviewed = _reviewed(store)
    delivered: list[Decision] = []
    result = _desk(store, delivered).decide(
        case_id, Outcome.REJECT, by="mod1", reason="fine", actor="api:mod1"
    )
    assert result.decision is not None and result.decision.action is Action.ALLOW
    stored = store.get_decision(result.decision.decision_id)
    assert (stored.notice, stored.supersedes) == (None, reviewed.decision_id)
    assert store.verify_ledger().ok


def test_escalating_decides_nothing(store: Store) -> None:
    case_id, _ = _reviewed(store)
    before = store.count_decisions()
    delivered: list[Decision] = []
    result = _desk(store, delivered).decide(
        case_id, Outcome.ESCALATE, by="mod1", reason="unsure", actor="api:mod1"
    )
    assert (result.decision, delivered, store.count_decisions()) == (None, [], before)


def test_a_decided_case_is_refused_before_anything_is_banked(store: Store) -> None:
    case_id, _ = _reviewed(store)
    desk = _desk(store, [])
    desk.decide(case_id, Outcome.REJECT, by="mod1", reason="fine", actor="api:mod1")
    decisions = store.count_decisions()
    with pytest.raises(ConflictError):
        desk.decide(
            case_id, Outcome.CONFIRM, by="mod2", reason="no", actor="api:mod2", bank="known"
        )
    assert store.count_entries("known") == 0
    assert store.count_decisions() == decisions
