"""BatchHistogram exposes what prometheus_client's Histogram would for the same values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from ombuds.interfaces.api.histogram import BatchHistogram
from ombuds.interfaces.api.metrics import LATENCY_BUCKETS


def _lines(registry: CollectorRegistry) -> list[str]:
    # The client's own histogram also exports a creation time; nothing else may differ.
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if "_created" not in line]


VALUES = st.lists(
    st.one_of(
        st.sampled_from(LATENCY_BUCKETS),  # exactly on a bound: counted in that bucket
        st.floats(min_value=0, max_value=5, allow_nan=False),
    ),
    max_size=40,
)


@given(batches=st.lists(VALUES, max_size=4))
def test_same_exposition_as_the_client_histogram(batches: list[list[float]]) -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    batch = BatchHistogram("t_seconds", "doc", LATENCY_BUCKETS, ours)
    reference = Histogram("t_seconds", "doc", buckets=LATENCY_BUCKETS, registry=theirs)
    for values in batches:
        batch.observe_many(values)
        for value in values:
            reference.observe(value)
    assert _lines(ours) == _lines(theirs)
