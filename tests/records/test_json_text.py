"""`json_text.encoder` writes exactly what the json module writes, for every option we use."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombuds.records import Store
from ombuds.records.database import create_store_engine
from ombuds.records.json_text import encoder

from .ledger.conftest import _decision

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
OPTIONS: list[dict[str, Any]] = [
    {},
    {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "allow_nan": False},
]


@pytest.mark.parametrize("options", OPTIONS)
@given(value=values)
def test_the_same_text_as_the_json_module(options: dict[str, Any], value: Any) -> None:
    assert encoder(**options)(value) == json.JSONEncoder(**options).encode(value)


def test_a_default_is_used_for_what_json_cannot_encode() -> None:
    encode = encoder(default=lambda when: when.year)
    assert encode([datetime(2026, 1, 1, tzinfo=UTC)]) == "[2026]"
    with pytest.raises(TypeError):
        encoder()([object()])


def test_out_of_range_floats_are_refused_when_asked() -> None:
    assert encoder()([float("nan")]) == "[NaN]"
    with pytest.raises(ValueError, match="Out of range"):
        encoder(allow_nan=False)([float("inf")])


def test_the_drivers_take_the_column_encoder_without_complaint(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    # psycopg logs a warning (and caches nothing) when the engine's serializer is a closure.
    url = store.engine.url.render_as_string(hide_password=False)
    with caplog.at_level(logging.WARNING):
        create_store_engine(url).dispose()
        decision = replace(_decision(1), extra={"preview_url": "https://example.invalid/p"})
        store.record_decisions([decision])
        assert store.get_decision(decision.decision_id) == decision
    assert [r.getMessage() for r in caplog.records] == []
