"""Key use in the ledger without a ledger row per request.

Every request that presented a key is counted in memory per (key, route, status); every
`OMBUDS_KEY_USE_FLUSH_S` seconds, and at shutdown, one `key_use` entry per key is
appended with its counts for the window. A failed append keeps the counts for the next.
Requests without a usable key are counted under the actor "anonymous".
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.types import Scope

from ombuds.interfaces.api.untraced import is_untraced
from ombuds.records.ledger import Kind, Record
from ombuds.records.types import utcnow

if TYPE_CHECKING:
    from ombuds.records import Store

log = logging.getLogger("ombuds.api")

ANONYMOUS = "anonymous"
_Key = tuple[str, str, int]  # (actor, "METHOD /route/template", status)


class KeyUse:
    def __init__(self, interval_s: float) -> None:
        self._interval = interval_s
        self._lock = threading.Lock()
        self._counts: Counter[_Key] = Counter()
        self._since = utcnow()
        self._store: Store | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, actor: str, route: str, status: int) -> None:
        with self._lock:
            self._counts[(actor, route, status)] += 1

    def start(self, store: Store) -> None:
        self._store = store
        self._thread = threading.Thread(target=self._run, name="ombuds-key-use", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.flush()

    def _take(self) -> tuple[Counter[_Key], datetime, datetime]:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            since, self._since = self._since, utcnow()
        return counts, since, self._since

    def flush(self) -> int:
        """Ledger the counts so far; returns how many entries were appended."""
        store = self._store
        if store is None:
            return 0
        counts, since, until = self._take()
        if not counts:
            return 0
        records = _records(counts, since, until)
        try:
            store.ledger_append_many(records)
        except Exception as exc:  # the database may be briefly away: keep, retry next time
            log.warning("could not ledger key use, kept for the next flush: %s", exc)
            with self._lock:
                self._counts.update(counts)
                self._since = min(self._since, since)
            return 0
        return len(records)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()
        self._store = None


def _records(counts: Counter[_Key], since: datetime, until: datetime) -> list[Record]:
    by_actor: dict[str, list[dict[str, object]]] = {}
    totals: Counter[str] = Counter()
    for (actor, route, status), n in sorted(counts.items()):
        by_actor.setdefault(actor, []).append({"route": route, "status": status, "count": n})
        totals[actor] += n
    window = {"since": since, "until": until}
    return [
        Record(
            Kind.KEY_USE,
            actor,
            actor.partition(":")[2] or actor,  # the key's name
            {**window, "requests": totals[actor], "counts": uses},
        )
        for actor, uses in by_actor.items()
    ]


def count_key_use(scope: Scope, status: int) -> None:
    """Count a finished request under the key it authenticated with (`request.state.caller`).

    Called by the HTTP metrics middleware (one layer for both counters), after the answer.
    """
    runtime = getattr(scope["app"].state, "runtime", None)
    key_use = getattr(runtime, "key_use", None)
    if not isinstance(key_use, KeyUse) or is_untraced(scope, status):
        return
    caller = (scope.get("state") or {}).get("caller")
    actor = getattr(caller, "actor", None)
    if actor is None and status != 401:
        return  # a public route (health, docs): no key was presented or needed
    template = getattr(scope.get("route"), "path", None) or "unmatched"
    key_use.record(actor or ANONYMOUS, f"{scope['method']} {template}", status)
