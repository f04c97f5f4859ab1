"""Where decisions go once made. The engine only calls `accept`; batching is the sink's business."""

from __future__ import annotations

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
    """Writes decisions to the store in batches: one transaction per batch keeps SQLite fast."""

    def __init__(self, store: Store, batch_size: int = 500) -> None:
        self._store = store
        self._batch_size = batch_size
        self._pending: list[Decision] = []

    def accept(self, decision: Decision) -> None:
        self._pending.append(decision)
        if len(self._pending) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._store.record_decisions(pending)
