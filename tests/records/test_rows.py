"""The row writer's processors answer as the column types' own do, shortcuts or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from ombuds.records.repos.rows import _memoized
from ombuds.records.schema import DecisionRow

DIALECTS = (sqlite.dialect(), postgresql.psycopg.dialect())  # type: ignore[no-untyped-call]
T0 = datetime(2026, 12, 6, tzinfo=UTC)
VALUES = st.one_of(
    st.just([]),
    st.just({}),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([T0, T0 + timedelta(microseconds=1)]),  # repeats: the memo's hits
    st.integers(0, 3).map(lambda us: T0 + timedelta(microseconds=us)),  # equal, not same
)


@given(st.lists(VALUES, max_size=30))
def test_memoized_processors_equal_the_originals(values: list[Any]) -> None:
    for dialect in DIALECTS:
        for column in ("evidence", "extra", "created_at"):
            process = DecisionRow.__table__.c[column].type.dialect_impl(dialect)
            original = process.bind_processor(dialect)
            assert original is not None
            fast = _memoized(original)
            for value in values:
                if column == "created_at" and not isinstance(value, datetime):
                    continue
                if column != "created_at" and isinstance(value, datetime):
                    continue
                # repr: psycopg wraps JSON in objects without equality of their own.
                assert repr(fast(value)) == repr(original(value))


def test_a_list_changed_after_processing_is_processed_again() -> None:
    process = DecisionRow.__table__.c["evidence"].type.bind_processor(sqlite.dialect())
    assert process is not None
    fast = _memoized(process)
    value: list[int] = [1]
    before = fast(value)
    value.append(2)
    assert fast(value) == process(value) != before
