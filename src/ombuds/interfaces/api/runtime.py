"""What the service holds while it runs: the store and the engine, loaded off the event loop.

Loading the indexes can take seconds to minutes on large banks; it runs in a thread so the
process answers `/v1/health/live` at once and `/v1/health/ready` turns 200 only when done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ombuds.domain import BankEntry, Content, Decision
from ombuds.engine import Engine, StoreSink
from ombuds.engine.loading import build_engine
from ombuds.interfaces.api.errors import ApiError
from ombuds.interfaces.api.metrics import Metrics, Snapshot
from ombuds.interfaces.api.webhook_delivery import WebhookDispatcher
from ombuds.records import Store
from ombuds.settings import Settings

log = logging.getLogger("ombuds.api")
T = TypeVar("T")


class LockedSink:
    """A StoreSink shared by request threads and the deferred tier's result thread."""

    def __init__(self, store: Store) -> None:
        self._sink = StoreSink(store)
        self._lock = threading.Lock()

    def accept(self, decision: Decision) -> None:
        with self._lock:
            self._sink.accept(decision)

    def flush(self) -> None:
        with self._lock:
            self._sink.flush()


class Runtime:
    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self._webhooks: WebhookDispatcher | None = None
        self._store: Store | None = None
        self._engine: Engine | None = None
        # The text matcher's scratch space and the engine's sink are not thread-safe, and
        # requests run on a thread pool: one submission at a time (each takes microseconds).
        self._engine_lock = threading.Lock()
        self._ready = threading.Event()
        self._failure: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="ombuds-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            store = Store.open(self.settings.resolved_database_url())
            self._store = store
            self._webhooks = self._dispatcher(store)
            self._engine = self._build(store)
        except Exception as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
            log.error("loading failed: %s", self._failure)
            return
        self._ready.set()
        log.info("engine ready")

    def _build(self, store: Store) -> Engine:
        return build_engine(
            store,
            self.settings,
            sink=LockedSink(store),
            deferred=True,
            on_decision=self._on_deferred,
        )

    def _dispatcher(self, store: Store) -> WebhookDispatcher:
        metrics = self.metrics
        dispatcher = WebhookDispatcher(
            store.webhook_targets,
            self.settings,
            on_outcome=metrics.webhook_outcome if metrics else None,
            on_retry=metrics.webhook_retries.inc if metrics else None,
        )
        dispatcher.start()
        return dispatcher

    def _on_deferred(self, decision: Decision) -> None:
        """A deferred decision (on the tier's result thread): counted, and queued for the
        webhooks without waiting for them."""
        if self.metrics is not None:
            self.metrics.observe(decision)
        if self._webhooks is not None:
            self._webhooks.enqueue(decision)

    @property
    def webhooks(self) -> WebhookDispatcher:
        if not self._ready.is_set() or self._webhooks is None:
            raise ApiError(503, "not_ready", "the service is still loading its engine")
        return self._webhooks

    def snapshot(self) -> Snapshot | None:
        """Queue depths and index sizes for the metrics; None until loaded."""
        if not self._ready.is_set():
            return None
        with self._engine_lock:
            engine = self._engine
            if engine is None:
                return None
            deferred = engine.deferred
            neartext = deferred.neartext if deferred is not None else None
            return Snapshot(
                deferred_queue_depth=deferred.queue.depth() if deferred is not None else 0,
                exact_entries=len(engine.bank_matcher.index),
                pdq_entries=len(deferred.perceptual.index) if deferred is not None else 0,
                neartext_entries=len(neartext.index) if neartext is not None else 0,
                webhook_queue_depth=self._webhooks.depth() if self._webhooks else 0,
            )

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def failure(self) -> str | None:
        return self._failure

    @property
    def store(self) -> Store:
        if not self._ready.is_set() or self._store is None:
            raise ApiError(503, "not_ready", "the service is still loading its engine")
        return self._store

    def _running_engine(self) -> Engine:
        if not self._ready.is_set() or self._engine is None:
            raise ApiError(503, "not_ready", "the service is still loading its engine")
        return self._engine

    def submit(self, contents: Sequence[Content]) -> list[Decision]:
        """Decide every item, then store the decisions before anyone can ask for them."""
        with self._engine_lock:
            engine = self._running_engine()
            decisions = [engine.submit(content) for content in contents]
            engine.flush()
        if self.metrics is not None:
            for decision in decisions:
                self.metrics.observe(decision)
        return decisions

    def inspect(self, read: Callable[[Engine], T]) -> T:
        """`read(engine)` under the engine lock: index lookups beside submissions and learning."""
        with self._engine_lock:
            return read(self._running_engine())

    def learn(self, entries: Mapping[int, BankEntry]) -> None:
        with self._engine_lock:
            self._running_engine().learn(entries)

    def reload(self) -> None:
        """Rebuild the engine from the store and swap it in; the old one serves meanwhile.

        The engine has no way to forget an entry it has cached, so removals take effect
        through a rebuild.
        """
        store = self.store
        fresh = self._build(store)
        with self._engine_lock:
            old, self._engine = self._engine, fresh
        if old is not None:
            old.close()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        with self._engine_lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        if self._webhooks is not None:
            # After the engine: its last deferred decisions are queued by now.
            self._webhooks.close()
            self._webhooks = None
        if self._store is not None:
            self._store.close()
            self._store = None
        self._ready.clear()
