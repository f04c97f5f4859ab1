"""Notices as the accountability layer reads them: with the content kind, the humans who
decided, a superseding decision, the appeal; paged in time order; and the DSA profile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ombuds.domain import Action, Outcome
from ombuds.errors import NotFoundError
from ombuds.records import Store

from .accountability_data import T0, decision, ledger_kinds


def test_a_notice_record_carries_what_an_appeal_needs(store: Store) -> None:
    store.record_decisions(
        [decision(1, kind="image"), decision(2, Action.REVIEW), decision(3, supersedes="dcs_1")]
    )
    (case,) = store.list_cases()
    store.decide_case(case.case_id, Outcome.CONFIRM, by="mod-a", reason="", actor="api:mod-a")
    first = store.notices.get("ntc_1")
    assert (first.content_kind, first.superseded_by, first.human_deciders) == ("image", "dcs_3", ())
    assert first.notice.matched == () and first.notice.ground == "ToS 4.2"
    assert first.decision_created_at == T0 + timedelta(seconds=1)
    reviewed = store.notices.get("ntc_2")
    assert reviewed.human_deciders == ("mod-a",)
    assert reviewed.first_deciders == ("engine", "mod-a")
    with pytest.raises(NotFoundError) as unknown:
        store.notices.get("ntc_missing")
    assert unknown.value.field == "notice_id"


def test_records_page_in_time_order_within_a_window(store: Store) -> None:
    store.record_decisions([decision(n) for n in range(25)])
    every = [r.notice.notice_id for r in store.notices.iter_records(batch=7)]
    assert every == [f"ntc_{n}" for n in range(25)]
    window = store.notices.iter_records(
        since=T0 + timedelta(seconds=10), until=T0 + timedelta(seconds=12), batch=1
    )
    assert [r.notice.notice_id for r in window] == ["ntc_10", "ntc_11"]
    assert store.notices.categories() == {("eu", "scam")}
    assert store.notices.categories(since=T0 + timedelta(days=1)) == set()


def test_the_dsa_profile_is_stored_replaced_and_ledgered(store: Store) -> None:
    assert store.notices.get_profile() is None
    store.notices.save_profile({"format": "x", "n": 1}, actor="cli:ops")
    store.notices.save_profile({"format": "x", "n": 2}, actor="cli:ops")
    assert store.notices.get_profile() == {"format": "x", "n": 2}
    assert [k for k, _a, _s in ledger_kinds(store)] == ["dsa_profile.save"] * 2
