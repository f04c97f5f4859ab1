"""Building an engine from the store: policies, the lexicons they use, and the bank index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain

import numpy as np
from rich.progress import Progress

from ombuds.domain import Decision, Policy
from ombuds.engine.banks import BankMatcher, EntryCache
from ombuds.engine.deferred.matchers import NearTextMatcher, PerceptualMatcher
from ombuds.engine.deferred.tier import DeferredTier
from ombuds.engine.engine import Clock, Engine, utc_now
from ombuds.engine.sinks import DecisionSink
from ombuds.errors import ConfigError
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.neartext import NearTextIndex
from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.signals import IndexKind, SignalTypeRegistry, default_registry
from ombuds.matching.text import TextMatcher, compile_lexicons
from ombuds.queue import queue_backend
from ombuds.records import Store
from ombuds.settings import Settings

_LOAD_BATCH = 100_000


def _index_rows(store: Store, signal_types: Sequence[str]) -> Iterator[tuple[int, str, str]]:
    """Entries the live indexes hold: active ones, and those disabled until a later time
    (skipped per hit until then; see `ombuds.engine.banks.indexable`)."""
    return chain(store.iter_index_rows(signal_types), store.iter_suspended_rows(signal_types))


def load_rules(store: Store, settings: Settings) -> tuple[list[Policy], TextMatcher]:
    """The enabled policies, and the text matcher compiled for the lexicons they use."""
    policies = [p for p in store.list_policies() if p.enabled]
    used = sorted({name for p in policies for name in p.lexicons})
    text = compile_lexicons([store.get_lexicon(n) for n in used], backend=settings.text_backend)
    return policies, text


def load_exact_index(
    store: Store, registry: SignalTypeRegistry, progress: Progress | None = None
) -> ExactIndex:
    """Stream every indexable exact-type entry from the store into a fresh index, in batches."""
    index = ExactIndex()
    names = [t.name for t in registry if t.index_kind is IndexKind.EXACT]
    batch: dict[str, tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
    task = progress.add_task("loading bank index", total=None) if progress else None
    for entry_id, signal_type, value in _index_rows(store, names):
        values, refs = batch[signal_type]
        values.append(value)
        refs.append(entry_id)
        if len(values) >= _LOAD_BATCH:
            _flush(index, signal_type, values, refs)
            if progress is not None and task is not None:
                progress.advance(task, _LOAD_BATCH)
    for signal_type, (values, refs) in batch.items():
        _flush(index, signal_type, values, refs)
    return index


def _flush(index: ExactIndex, signal_type: str, values: list[str], refs: list[int]) -> None:
    if not values:
        return
    width = len(values[0])
    joined = "".join(values)
    raw = bytes.fromhex(joined) if width % 2 == 0 else b""
    # fromhex skips whitespace; one odd value would shift every digest after it, silently.
    if any(len(v) != width for v in values) or len(raw) * 2 != len(joined):
        bad = next(v for v in values if len(v) != width or len(bytes.fromhex(v)) * 2 != width)
        raise ConfigError(f"stored {signal_type} signal is not canonical hex: {bad!r}")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(len(values), -1)
    index.add_many(signal_type, rows, np.asarray(refs, dtype=np.int64))
    values.clear()
    refs.clear()


def load_perceptual_index(store: Store) -> PDQIndex:
    """Every indexable PDQ entry, built into the multi-index in one go."""
    values: list[str] = []
    refs: list[int] = []
    for entry_id, _, value in _index_rows(store, ["pdq"]):
        values.append(value)
        refs.append(entry_id)
    # One thread: lookups here run beside the inline tier, and a pool's GIL handoffs cost
    # the inline tier more than a deferred lookup gains.
    if not values:
        return PDQIndex(threads=1)
    rows = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32)
    return PDQIndex.build(rows, np.asarray(refs, dtype=np.int64), threads=1)


def load_neartext_index(store: Store) -> NearTextIndex:
    """Every indexable document fingerprint, in the near-duplicate index."""
    index = NearTextIndex()
    values: list[str] = []
    refs: list[int] = []
    for entry_id, _, value in _index_rows(store, ["minhash"]):
        values.append(value)
        refs.append(entry_id)
    if values:
        index.add_many(values, refs)
    return index


def build_engine(
    store: Store,
    settings: Settings,
    *,
    sink: DecisionSink | None = None,
    registry: SignalTypeRegistry | None = None,
    clock: Clock = utc_now,
    progress: Progress | None = None,
    deferred: bool = False,
    on_decision: Callable[[Decision], None] | None = None,
) -> Engine:
    """An engine over the store's policies, lexicons and banks.

    With `deferred`, images and files also go to the deferred tier (settings.queue), whose
    decisions reach `sink` and `on_decision`.
    """
    registry = registry or default_registry()
    policies, text = load_rules(store, settings)
    index = load_exact_index(store, registry, progress)
    entries = EntryCache(store)
    banks = BankMatcher(index, entries, registry)
    tier = None
    if deferred:
        bank_map = {b.name: b for b, _ in store.list_banks()}
        perceptual = PerceptualMatcher(load_perceptual_index(store), entries, bank_map)
        neartext = NearTextMatcher(load_neartext_index(store), entries, bank_map)
        tier = DeferredTier(
            queue_factory=lambda handler, done: queue_backend(
                settings.queue,
                handler,
                done,
                workers=settings.deferred_workers,
                timeout_s=settings.deferred_timeout_s,
            ),
            perceptual=perceptual,
            text=text,
            neartext=neartext,
            settings=settings,
            clock=clock,
            sink=sink,
            on_decision=on_decision,
        )
    return Engine(
        policies,
        text=text,
        banks=banks,
        settings=settings,
        sink=sink,
        clock=clock,
        deferred=tier,
        entries=entries,
    )
