"""Decisions cross to the writer process and back unchanged: equal objects, equal digests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ombuds.domain import Action, Decision, Notice, Reason, Signal, Tier
from ombuds.engine.wire import decision_from_wire, decision_to_wire

from ..domain.test_evidence import evidence

text = st.text(max_size=12)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
signals = st.builds(Signal, text, text, st.none() | st.integers(0, 100))


@st.composite
def decisions(draw: st.DrawFn) -> Decision:
    decision_id = draw(text)
    action = draw(st.sampled_from(list(Action)))
    notice = None
    if action.restricts and draw(st.booleans()):
        notice = Notice(
            notice_id=draw(text),
            decision_id=decision_id,
            content_id=draw(text),
            author_id=draw(text),
            action=action,
            category=draw(text),
            policy=draw(text),
            ground=draw(text),
            automated_detection=draw(st.booleans()),
            automated_decision=draw(st.booleans()),
            matched=tuple(draw(st.lists(text, max_size=3))),
            how_to_appeal=draw(text),
            created_at=draw(times) + timedelta(microseconds=draw(st.integers(0, 999_999))),
        )
    return Decision(
        decision_id=decision_id,
        content_id=draw(text),
        author_id=draw(text),
        conversation_id=draw(text),
        content_kind=draw(st.sampled_from(["text", "image", "file"])),
        action=action,
        reason=draw(st.sampled_from(list(Reason))),
        tier=draw(st.sampled_from(list(Tier))),
        created_at=draw(times),
        elapsed_us=draw(st.floats(0, 1e9, allow_nan=False)),
        category=draw(text),
        policy=draw(text),
        evidence=tuple(draw(st.lists(evidence, max_size=3))),
        signal_types=tuple(draw(st.lists(text, max_size=3))),
        signals=tuple(draw(st.lists(signals, max_size=3))),
        notice=notice,
        supersedes=draw(st.none() | text),
        detail=draw(text),
        extra=draw(st.dictionaries(text, text, max_size=3)),
    )


@given(decisions())
def test_a_decision_survives_the_trip_through_json(decision: Decision) -> None:
    sent = json.dumps(decision_to_wire(decision))
    assert decision_from_wire(json.loads(sent)) == decision
