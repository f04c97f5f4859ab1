"""What the service holds while it runs: the store and the engine, loaded off the event loop.

Loading the indexes can take seconds to minutes on large banks; it runs in a thread so the
process answers `/v1/health/live` at once and `/v1/health/ready` turns 200 only when done.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

import anyio

from ombuds.domain import Bank, BankEntry, Content, Decision
from ombuds.engine import Engine
from ombuds.engine.appeals import AppealDesk
from ombuds.engine.loading import build_engine, load_rules
from ombuds.engine.review import ReviewDesk
from ombuds.engine.sinks import GroupCommit, GroupCommitSink
from ombuds.engine.writer_process import ProcessCommitSink
from ombuds.interfaces.api.errors import ApiError
from ombuds.interfaces.api.follow import Follower
from ombuds.interfaces.api.key_cache import KeyCache
from ombuds.interfaces.api.key_use import KeyUse
from ombuds.interfaces.api.metrics import Metrics, Snapshot
from ombuds.interfaces.api.retention_job import RetentionJob
from ombuds.interfaces.api.webhook_delivery import WebhookDispatcher
from ombuds.records import Store
from ombuds.records.database import is_in_memory
from ombuds.settings import Settings

log = logging.getLogger("ombuds.api")
T = TypeVar("T")
# Submissions decided on the event loop itself when the engine is free: a text item takes
# ~20 µs, so even a full batch of text blocks the loop for ~20 ms at most. In a thread it
# would not serve more in the meantime (the GIL), only slower: each Hyperscan scan lets the
# GIL go and must win it back from the loop (batches: 12.6k -> 18k msgs/s on the loop).
# Submissions carrying more than ~1 MB of text or files go to a thread, so that one huge
# submission cannot hold every other request for long.
_ON_LOOP_ITEMS = 1_000
_ON_LOOP_BYTES = 1024 * 1024
_CHANGE_BATCH = 2_000  # bank entries changed per hold of the engine lock
YOUNG_THRESHOLD = 50_000  # allocations between collections of the youngest generation


class Runtime:
    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self._webhooks: WebhookDispatcher | None = None
        self._store: Store | None = None
        self._writer: GroupCommit[Any] | None = None
        self._engine: Engine | None = None
        self.keys = KeyCache()
        self.key_use = KeyUse(settings.key_use_flush_s)
        self.retention = RetentionJob(settings.purge_interval_s, settings.retention_days)
        # The text matcher's scratch space is not thread-safe, and submissions run on the
        # event loop or on a thread pool: one at a time (each takes microseconds).
        self._engine_lock = threading.Lock()
        self._rules_lock = threading.Lock()
        self._ready = threading.Event()
        self._failure: str | None = None
        self._thread: threading.Thread | None = None
        self.follower: Follower | None = None  # applies other processes' changes
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Load in a thread. Called on the event loop (the app's lifespan), the decision
        writer then works from that loop."""
        with contextlib.suppress(RuntimeError):
            self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._load, name="ombuds-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            store = Store.open(self.settings.resolved_database_url())
            self._store = store
            self.key_use.start(store)
            self._writer = self._decision_writer(store)
            self._webhooks = self._dispatcher(store)
            if self.settings.follow_interval_s > 0:
                # Before the build: it remembers the ledger head the engine is loaded from.
                self.follower = Follower(self, store.engine, self.settings.follow_interval_s)
            self._engine = self._build(store)
        except Exception as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
            log.error("loading failed: %s", self._failure)
            return
        self._ready.set()
        if self.follower is not None:
            self.follower.start()
        self.retention.start(store)
        log.info("engine ready")

    def _decision_writer(self, store: Store) -> GroupCommit[Any]:
        url = self.settings.resolved_database_url()
        if self.settings.decision_writer == "thread" or is_in_memory(url):
            return GroupCommitSink(store)
        return ProcessCommitSink(url, loop=self._loop)

    def _build(self, store: Store) -> Engine:
        return build_engine(
            store,
            self.settings,
            sink=self._writer,
            deferred=True,
            on_decision=self.publish,
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

    def publish(self, decision: Decision) -> None:
        """A decision made after the submission was answered (the deferred tier, a case
        outcome, an appeal reversal): counted, and queued for the webhooks without waiting."""
        if self.metrics is not None:
            self.metrics.observe(decision)
        if self._webhooks is not None:
            self._webhooks.enqueue(decision)

    def review_desk(self) -> ReviewDesk:
        """Case outcomes, for the API and the console alike."""
        return ReviewDesk(
            self.store, appeal_url=self.settings.appeal_url, learn=self.learn, deliver=self.publish
        )

    def appeal_desk(self) -> AppealDesk:
        return AppealDesk(self.store, deliver=self.publish)

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

    def _decide_locked(self, contents: Sequence[Content]) -> list[Decision]:
        """Decide under the engine lock (held by the caller); the decisions are held by the
        writer for this thread until its commit."""
        engine = self._running_engine()
        try:
            return engine.submit_many(contents)
        except BaseException:
            # None of a failed submission's decisions is written.
            self._decisions_writer().discard()
            raise

    def _decide_in_thread(self, contents: Sequence[Content]) -> tuple[list[Decision], Future[None]]:
        with self._engine_lock:
            return self._decide_locked(contents), self._decisions_writer().commit()

    def _decisions_writer(self) -> GroupCommit[Any]:
        assert self._writer is not None  # set before the engine that uses it
        return self._writer

    def _recorded(self, decisions: list[Decision]) -> list[Decision]:
        if self.metrics is not None:
            self.metrics.observe_many(decisions)
        return decisions

    async def decide(self, contents: Sequence[Content]) -> list[Decision]:
        """Decide every item; return once the decisions are stored (ApiError 503 if not).

        A small submission is decided on the event loop when the engine is free
        (microseconds; a thread hop costs more), otherwise in a thread; then the request
        waits, without a thread, for the group commit of its decisions."""
        durable: Awaitable[None]
        if _small(contents) and self._engine_lock.acquire(blocking=False):
            try:
                decisions = self._decide_locked(contents)
                durable = self._decisions_writer().commit_here()
            finally:
                self._engine_lock.release()
        else:
            decisions, done = await anyio.to_thread.run_sync(self._decide_in_thread, contents)
            # Shielded: a client that goes away must not cancel the writer's future.
            durable = asyncio.shield(asyncio.wrap_future(done))
        try:
            await durable
        except Exception as exc:
            raise _not_recorded(exc) from exc
        return self._recorded(decisions)

    def inspect(self, read: Callable[[Engine], T]) -> T:
        """`read(engine)` under the engine lock: index lookups beside submissions and learning."""
        with self._engine_lock:
            return read(self._running_engine())

    def learn(self, entries: Mapping[int, BankEntry]) -> None:
        items = list(entries.items())
        for start in range(0, len(items), _CHANGE_BATCH):
            # The lock is let go between batches: submissions go on during a large import.
            with self._engine_lock:
                self._running_engine().learn(dict(items[start : start + _CHANGE_BATCH]))

    def forget(self, entries: Mapping[int, BankEntry]) -> None:
        """Removed entries (by store id): no lookup finds them once this returns."""
        items = list(entries.items())
        for start in range(0, len(items), _CHANGE_BATCH):
            with self._engine_lock:
                self._running_engine().forget(dict(items[start : start + _CHANGE_BATCH]))

    def refresh(self, entries: Mapping[int, BankEntry]) -> None:
        """Entries whose enabled state changed: in force for the next lookup."""
        with self._engine_lock:
            self._running_engine().refresh(entries)

    def set_bank(self, bank: Bank, *, renamed_from: str | None = None) -> None:
        with self._engine_lock:
            self._running_engine().set_bank(bank, renamed_from=renamed_from)

    def reconfigure(self) -> None:
        """Policies or lexicons changed: compile the text matcher without holding up
        submissions, then swap it in with the policies in one step."""
        with self._rules_lock:  # two changes at once must not swap in the older one last
            policies, text = load_rules(self.store, self.settings)
            with self._engine_lock:
                self._running_engine().reconfigure(policies, text)

    def reload(self) -> None:
        """Rebuild the engine from the store and swap it in; the old one serves meanwhile.

        Bank changes do not need it (learn, forget, refresh apply them in place).
        """
        store = self.store
        fresh = self._build(store)
        with self._engine_lock:
            old, self._engine = self._engine, fresh
        if old is not None:
            old.close()
        if gc.get_freeze_count():  # the server froze the first engine: swap the frozen set
            gc.unfreeze()
            settle_heap()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self.retention.close()  # first: no purge batch while the rest shuts down
        if self.follower is not None:
            self.follower.close()  # before the engine and store it applies changes to
            self.follower = None
        with self._engine_lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        if self._writer is not None:
            # After the engine: its deferred tier's last decisions are committed by now.
            self._writer.close()
            self._writer = None
        if self._webhooks is not None:
            # After the engine: its last deferred decisions are queued by now.
            self._webhooks.close()
            self._webhooks = None
        self.key_use.close()  # the last window's counts, before the store goes
        if self._store is not None:
            self._store.close()
            self._store = None
        self._ready.clear()


def settle_heap() -> None:
    """Move everything alive (hundreds of thousands of objects for a large lexicon) out of
    the collector's reach. A full collection over them takes ~0.3 s here, all of it holding
    the GIL: the p99 of every request under load. Frozen objects are still freed when no
    longer used, unless they are in a reference cycle. `ombuds serve` does this once the
    engine is loaded; tests, with a process full of other things, do not.

    The youngest generation is also collected less often: a batch of 500 items makes ~10,000
    containers that are all freed once it is answered, and at the default threshold (700)
    the collector ran ~30 times per batch over objects about to go anyway, ~8 % of the
    request process's time (measured with `gc.callbacks`). Cyclic garbage now waits for
    `YOUNG_THRESHOLD` allocations: a few megabytes at most."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def _small(contents: Sequence[Content]) -> bool:
    size = sum(len(c.data or b"") + len(c.text or "") for c in contents)
    return len(contents) <= _ON_LOOP_ITEMS and size <= _ON_LOOP_BYTES


def _not_recorded(exc: Exception) -> ApiError:
    # The store refused or failed: nothing of the submission is stored, so the honest answer
    # is "not now" (503, retry), never 200 for a decision that is not durable.
    return ApiError(
        503,
        "not_recorded",
        f"the decisions could not be stored ({type(exc).__name__}); nothing was kept, retry",
        headers={"Retry-After": "1"},
    )
