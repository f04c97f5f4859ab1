"""Decisions in record form: the writer process receives them as JSON and stores them; a
decision read back is equal to the one made, and its digest verifies."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import from_json, to_json

from ombuds.domain import Action, Decision, Notice, Reason, Signal, Tier
from ombuds.records import Store
from ombuds.records.repos.decision_records import decision_record

from ..domain.test_evidence import evidence

# No NUL (PostgreSQL refuses it in text) and no lone surrogate (not UTF-8): the API
# refuses both before a decision is made.
text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
signals = st.builds(Signal, text, text, st.none() | st.integers(0, 100))


_serial = itertools.count()


@st.composite
def decisions(draw: st.DrawFn) -> Decision:
    # Unique across examples, which share one store.
    decision_id = f"{draw(text)}#{next(_serial)}"
    action = draw(st.sampled_from(list(Action)))
    notice = None
    if action.restricts and draw(st.booleans()):
        notice = Notice(
            notice_id=f"n{decision_id}",
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


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(decisions())
def test_a_decision_survives_the_writer_trip_and_verifies(store: Store, made: Decision) -> None:
    # As the writer process gets it: pydantic-core's JSON, which must round-trip exactly
    # (floats included) for the digest of what is stored to be the digest of what was made.
    sent = from_json(to_json([decision_record(made)]))
    store.record_records(sent)
    assert store.get_decision(made.decision_id) == made
    assert store.verify_ledger().problem == ""


@settings(max_examples=300)
@given(decisions(), st.floats(allow_nan=False, allow_infinity=False))
def test_the_writer_pipe_round_trips_records_exactly(made: Decision, elapsed: float) -> None:
    record = decision_record(replace(made, elapsed_us=elapsed))
    assert from_json(to_json([record])) == [record]
