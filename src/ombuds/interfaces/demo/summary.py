"""The demo's closing tables: what was decided, by which tier, by what, and how fast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import quantiles

from rich.console import Console
from rich.table import Table

from ombuds.domain import Decision, Reason


@dataclass
class Outcome:
    inline: list[Decision]  # one per item, in order
    deferred: list[Decision]  # one per item the deferred tier looked at
    inline_seconds: float
    total_seconds: float

    def final(self) -> list[Decision]:
        """Each item's last word: the deferred decision where there is one."""
        later = {d.supersedes: d for d in self.deferred}
        return [later.get(d.decision_id, d) for d in self.inline]


def _counts(title: str, counter: Counter[str], total: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split(" by ")[-1])
    table.add_column("items", justify="right")
    table.add_column("share", justify="right")
    for key, count in counter.most_common():
        table.add_row(key or "-", f"{count:,}", f"{count / max(total, 1):.1%}")
    return table


def _percentile(values: Sequence[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=100, method="inclusive")[q - 1]


def _speed(outcome: Outcome) -> Table:
    table = Table(title="Throughput and latency", title_justify="left")
    for column in ("tier", "kind", "items", "p50 µs", "p99 µs"):
        table.add_column(column, justify="left" if column in ("tier", "kind") else "right")
    for tier, decisions in (("inline", outcome.inline), ("deferred", outcome.deferred)):
        analysed = [d for d in decisions if d.reason is not Reason.OUT_OF_SCOPE]
        for kind in ("text", "image", "file"):
            times = [d.elapsed_us for d in analysed if d.content_kind == kind]
            if times:
                p50, p99 = _percentile(times, 50), _percentile(times, 99)
                table.add_row(tier, kind, f"{len(times):,}", f"{p50:,.0f}", f"{p99:,.0f}")
    items = len(outcome.inline)
    table.caption = (
        f"{items:,} items through the inline tier in {outcome.inline_seconds:.2f} s "
        f"({items / max(outcome.inline_seconds, 1e-9):,.0f} items/s); deferred tier done "
        f"{outcome.total_seconds:.2f} s after the start (deferred latency includes queueing)"
    )
    return table


def _changes(outcome: Outcome) -> Table:
    first = {d.decision_id: d for d in outcome.inline}
    moves = Counter(
        f"{first[d.supersedes].action.value} -> {d.action.value}"
        for d in outcome.deferred
        if d.supersedes in first
    )
    table = _counts("What the deferred tier did, by change", moves, len(outcome.deferred))
    table.caption = "a change is a new decision that supersedes the inline one"
    return table


def print_summary(console: Console, outcome: Outcome, stored: int) -> None:
    final = outcome.final()
    total = len(final)
    analysed = [d for d in outcome.inline if d.reason is not Reason.OUT_OF_SCOPE]
    console.print(
        _counts("Final decisions by action", Counter(d.action.value for d in final), total)
    )
    console.print(
        _counts("Final decisions by reason", Counter(d.reason.value for d in final), total)
    )
    matched = [d for d in final if d.category]
    if matched:
        console.print(
            _counts("Matches by category", Counter(d.category for d in matched), len(matched))
        )
    deciding = Counter(d.tier.value for d in final if d.reason is not Reason.OUT_OF_SCOPE)
    console.print(_counts("Final decisions by tier", deciding, len(analysed)))
    console.print(_changes(outcome))
    hits = Counter(f"{e.signal_type or 'lexicon'}{' via ' + e.via if e.via else ''}"
                   for d in final for e in d.evidence)  # fmt: skip
    if hits:
        console.print(_counts("Evidence by signal type", hits, sum(hits.values())))
    signals = Counter(t for d in final for t in d.signal_types)
    if signals:
        console.print(_counts("Signals computed by signal type", signals, sum(signals.values())))
    console.print(_speed(outcome))
    out_of_scope = total - len(analysed)
    console.print(
        f"{out_of_scope:,} items were outside every policy's scope: no signal computed, "
        f"nothing stored. Decisions stored: {stored:,} "
        f"(= {len(analysed):,} inline + {len(outcome.deferred):,} deferred)."
    )
