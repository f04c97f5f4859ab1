"""An engine wired from in-memory parts: no store, a MemorySink, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime

import pytest

from ombuds.domain import BankEntry, Lexicon, Policy
from ombuds.engine import Engine, MemorySink
from ombuds.engine.banks import BankMatcher
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.signals import SignalTypeRegistry, default_registry
from ombuds.matching.text import compile_lexicons
from ombuds.settings import Settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

EngineFactory = Callable[..., tuple[Engine, MemorySink]]


def build(
    policies: Sequence[Policy],
    lexicons: Sequence[Lexicon] = (),
    entries: Sequence[BankEntry] = (),
    *,
    registry: SignalTypeRegistry | None = None,
    settings: Settings | None = None,
) -> tuple[Engine, MemorySink]:
    registry = registry or default_registry()
    index = ExactIndex()
    by_id: dict[int, BankEntry] = {}
    for ref, entry in enumerate(entries, start=1):
        index.add(entry.signal.signal_type, entry.signal.value, ref)
        by_id[ref] = entry

    def resolve(ids: Collection[int]) -> Mapping[int, BankEntry]:
        return {i: by_id[i] for i in ids if i in by_id}

    sink = MemorySink()
    engine = Engine(
        policies,
        text=compile_lexicons(list(lexicons)),
        banks=BankMatcher(index, resolve, registry),
        settings=settings or Settings(),
        sink=sink,
        clock=lambda: NOW,
    )
    return engine, sink


@pytest.fixture
def make_engine() -> EngineFactory:
    return build
