"""`json_text.encoder` writes exactly what the json module writes, for every option we use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombuds.records.json_text import encoder

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
