"""The demo's closing tables: what was decided, by what, and how fast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import quantiles

from rich.console import Console
from rich.table import Table

from ombuds.domain import Decision, Reason


def _counts(title: str, counter: Counter[str], total: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split(" by ")[-1])
    table.add_column("items", justify="right")
    table.add_column("share", justify="right")
    for key, count in counter.most_common():
        table.add_row(key or "-", f"{count:,}", f"{count / total:.1%}")
    return table


def _percentile(values: Sequence[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=100, method="inclusive")[q - 1]


def _speed(decisions: Sequence[Decision], seconds: float) -> Table:
    table = Table(title="Throughput and inline latency", title_justify="left")
    for column in ("kind", "items", "p50 µs", "p99 µs"):
        table.add_column(column, justify="right" if column != "kind" else "left")
    analysed = [d for d in decisions if d.reason is not Reason.OUT_OF_SCOPE]
    for kind in ("text", "image", "file"):
        times = [d.elapsed_us for d in analysed if d.content_kind == kind]
        if times:
            p50, p99 = _percentile(times, 50), _percentile(times, 99)
            table.add_row(kind, f"{len(times):,}", f"{p50:,.0f}", f"{p99:,.0f}")
    rate = len(decisions) / seconds if seconds else 0.0
    table.caption = f"{len(decisions):,} items in {seconds:.2f} s: {rate:,.0f} items/s end to end"
    return table


def print_summary(
    console: Console, decisions: Sequence[Decision], seconds: float, stored: int
) -> None:
    total = len(decisions)
    analysed = [d for d in decisions if d.reason is not Reason.OUT_OF_SCOPE]
    console.print(_counts("Decisions by action", Counter(d.action.value for d in decisions), total))
    console.print(_counts("Decisions by reason", Counter(d.reason.value for d in decisions), total))
    restricted = [d for d in analysed if d.category]
    if restricted:
        by_category = Counter(d.category for d in restricted)
        console.print(_counts("Matches by category", by_category, len(restricted)))
    console.print(_counts("Decisions by tier", Counter(d.tier.value for d in analysed), total))
    signals = Counter(t for d in analysed for t in d.signal_types)
    if signals:
        console.print(_counts("Signals computed by signal type", signals, sum(signals.values())))
    console.print(_speed(decisions, seconds))
    out_of_scope = total - len(analysed)
    console.print(
        f"{out_of_scope:,} items were outside every policy's scope: no signal computed, "
        f"nothing stored. Decisions stored: {stored:,} (= {len(analysed):,} analysed)."
    )
