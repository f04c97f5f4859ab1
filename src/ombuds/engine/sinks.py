"""Where decisions go once made. The engine only calls `accept`; batching is the sink's business."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from ombuds.domain import Decision

if TYPE_CHECKING:
    from ombuds.records import Store


class DecisionSink(Protocol):
    def accept(self, decision: Decision) -> None: ...

    def flush(self) -> None: ...


class MemorySink:
    """Keeps decisions in a list: for tests and for callers that store elsewhere."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def accept(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def flush(self) -> None:
        return None


class StoreSink:
    """Writes decisions to the store in batches: one transaction per batch keeps SQLite fast.

    Inline decisions arrive on the caller's thread and deferred ones on the queue's, so the
    batch is guarded: two flushes racing could otherwise drop a decision or write one twice.
    """

    def __init__(self, store: Store, batch_size: int = 500) -> None:
        self._store = store
        self._batch_size = batch_size
        self._pending: list[Decision] = []
        self._lock = threading.Lock()

    def accept(self, decision: Decision) -> None:
        with self._lock:
            self._pending.append(decision)
            full = len(self._pending) >= self._batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if pending:
            self._store.record_decisions(pending)
