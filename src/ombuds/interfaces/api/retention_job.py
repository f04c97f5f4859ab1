"""Retention applied by `ombuds serve` itself, so that "decisions keep personal ids for
OMBUDS_RETENTION_DAYS" holds without anyone remembering to run `ombuds purge` from cron.

Every `OMBUDS_PURGE_INTERVAL_S` (and once shortly after the engine is ready) a thread does
`ombuds purge`'s work: small batches, each its own transaction and `purge` ledger entry,
with a pause between them so the decision writer is never kept from the database for long.
Stopping interrupts it between batches; a purge resumes where it stopped. A failure is
logged and tried again at the next interval. Several servers on one database may all run
it: each batch claims its rows (SKIP LOCKED on PostgreSQL, the write lock on SQLite).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from ombuds.records.types import utcnow

if TYPE_CHECKING:
    from ombuds.records import Store
    from ombuds.records.ledger.retention import PurgeBatch

log = logging.getLogger("ombuds.api")

ACTOR = "system:purge"
BATCH = 500
_PAUSE_S = 0.05  # between batches: the decision writer's commits go first
_FIRST_RUN_S = 5.0  # after start: not in the middle of loading and warming up


class _Stopped(Exception):
    """Raised between batches once the job is asked to stop."""


class RetentionJob:
    def __init__(self, interval_s: float, retention_days: int) -> None:
        self._interval = interval_s
        self._retention = timedelta(days=retention_days)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self.purged = 0  # decisions purged by this job since start

    def start(self, store: Store) -> None:
        if self._interval <= 0:
            return
        self._store = store
        self._thread = threading.Thread(target=self._run, name="ombuds-retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        wait = min(_FIRST_RUN_S, self._interval)
        while not self._stop.wait(wait):
            self.run_once()
            wait = self._interval

    def run_once(self) -> int:
        """Purge what is due now; returns how many decisions this run purged."""
        store = self._store
        if store is None:
            return 0
        done = 0

        def between(batch: PurgeBatch) -> None:
            nonlocal done
            done += batch.decisions
            if self._stop.wait(_PAUSE_S):
                raise _Stopped

        try:
            store.purge(
                self._retention, actor=ACTOR, now=utcnow(), batch_size=BATCH, on_batch=between
            )
        except _Stopped:
            pass
        except Exception as exc:  # the database may be briefly away: try at the next interval
            log.warning("retention purge failed, tried again later: %s", exc)
        if done:
            log.info("retention: purged personal ids from %d decisions", done)
        self.purged += done
        return done

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._store = None
