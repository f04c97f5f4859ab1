"""A Prometheus histogram observed a batch at a time.

`prometheus_client.Histogram.observe` takes a lock and walks the buckets for every value:
about a microsecond each, and a batch submission observes hundreds of decisions. This one
counts a whole batch under one lock (a bisection per value) and is exposed through the
client's own custom-collector interface, in the same text format and series names.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString


def _go_float(bound: float) -> str:
    """The bucket label the client's own histogram gives this bound (e.g. "+Inf")."""
    label: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return label


class BatchHistogram(Collector):
    def __init__(
        self,
        name: str,
        documentation: str,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._bounds = (*sorted(buckets), float("inf"))
        self._counts = [0] * len(self._bounds)
        self._sum = 0.0
        self._lock = threading.Lock()
        registry.register(self)

    def observe_many(self, values: Iterable[float]) -> None:
        """Count each value in the first bucket whose upper bound it does not exceed."""
        values = list(values)
        if not values:
            return
        bounds = self._bounds
        per_bucket = Counter(bisect_left(bounds, value) for value in values)
        with self._lock:
            for bucket, n in per_bucket.items():
                self._counts[bucket] += n
            for value in values:  # one at a time: the same float sum as value by value
                self._sum += value

    def collect(self) -> Iterator[HistogramMetricFamily]:
        with self._lock:
            counts, total = list(self._counts), self._sum
        cumulative, running = [], 0
        for bound, n in zip(self._bounds, counts, strict=True):
            running += n
            cumulative.append((_go_float(bound), running))
        yield HistogramMetricFamily(
            self._name, self._documentation, buckets=cumulative, sum_value=total
        )

    def describe(self) -> Iterable[HistogramMetricFamily]:
        return [HistogramMetricFamily(self._name, self._documentation)]
