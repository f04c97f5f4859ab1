"""Following the ledger: bank, lexicon and policy changes made by other processes (the
CLI, another server on the same database) reach the running engine without a restart.

Every such change is ledgered in its own transaction, and appends are serialised through
the ledger's head row until they commit, so seq order is commit order: reading the entries
after the last seq seen, a page at a time, misses none. The runtime remembers the head it
loaded from; a thread reads what came after, every `follow_interval_s`, and applies it
through the same live paths the API uses (see follow_changes). Entries this process
appended are skipped: the API applied them already. Those are recognised by seq and
digest, recorded as the rows are inserted through this process's database engine: a
digest covers the entry's time, actor and predecessor, so an entry of another process can
never pass for one of ours, even at a seq a rolled-back transaction of ours had claimed.
A failure is logged and the same page retried; after a few, the engine is rebuilt.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine as Database
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ombuds.interfaces.api.follow_changes import FOLLOWED, Changes, apply
from ombuds.records.ledger import LedgerEntry
from ombuds.records.ledger.query import entry_of
from ombuds.records.ledger.schema import LedgerEntryRow

if TYPE_CHECKING:
    from ombuds.interfaces.api.runtime import Runtime

log = logging.getLogger("ombuds.api.follow")
PAGE = 500
GIVE_UP = 3  # failed tries at one page before the engine is rebuilt from the store instead
_TABLE = LedgerEntryRow.__tablename__


def head_seq(database: Database) -> int:
    """The newest seq in the ledger (0 when empty)."""
    with Session(database) as s:
        return int(s.scalar(select(func.max(LedgerEntryRow.seq))) or 0)


def read_changes(
    database: Database, after: int, upto: int | None = None, limit: int = PAGE
) -> list[LedgerEntry]:
    """Followed entries with `after` < seq <= `upto`, oldest first (decision batches, most
    of the ledger, are not read)."""
    stmt = select(LedgerEntryRow).where(
        LedgerEntryRow.seq > after, LedgerEntryRow.kind.in_(sorted(FOLLOWED))
    )
    if upto is not None:
        stmt = stmt.where(LedgerEntryRow.seq <= upto)
    stmt = stmt.order_by(LedgerEntryRow.seq).limit(limit)
    with Session(database) as s:
        return [entry_of(row) for row in s.scalars(stmt)]


class OwnWrites:
    """Seq and digest of the followed entries appended through one database engine."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._mine: dict[int, str] = {}
        event.listen(database, "after_cursor_execute", self._executed)

    def _executed(self, *args: Any) -> None:
        context = args[4]  # (connection, cursor, statement, parameters, context, executemany)
        compiled = getattr(context, "compiled", None)
        if compiled is None or not getattr(context, "isinsert", False):
            return
        table = getattr(compiled.statement, "table", None)
        if getattr(table, "name", None) != _TABLE:
            return
        rows = [
            (p["seq"], p["digest"])
            for p in context.compiled_parameters
            if p.get("kind") in FOLLOWED and "seq" in p and "digest" in p
        ]
        if rows:
            with self._lock:
                self._mine.update(rows)

    def mine(self, entry: LedgerEntry) -> bool:
        with self._lock:
            return self._mine.get(entry.seq) == entry.digest

    def prune(self, upto: int) -> None:
        """Forget entries at or before `upto`: the follower is past them."""
        with self._lock:
            self._mine = {seq: d for seq, d in self._mine.items() if seq > upto}

    def disown_after(self, seq: int) -> None:
        """Treat entries after `seq` as another process's (applied again when read)."""
        with self._lock:
            self._mine = {s: d for s, d in self._mine.items() if s <= seq}

    def __len__(self) -> int:
        with self._lock:
            return len(self._mine)

    def close(self) -> None:
        if event.contains(self._database, "after_cursor_execute", self._executed):
            event.remove(self._database, "after_cursor_execute", self._executed)


class Follower:
    """Applies other processes' changes to a runtime's engine, from a background thread."""

    def __init__(self, runtime: Runtime, database: Database, interval_s: float) -> None:
        if interval_s <= 0:
            raise ValueError("the follow interval must be positive")
        self._runtime = runtime
        self._database = database
        self._interval = interval_s
        # Read before the engine is built: what commits meanwhile is applied again, which
        # is harmless (every change is applied as the store's current state).
        self._cursor = head_seq(database)
        self._own = OwnWrites(database)
        self._failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.applied = 0  # entries of other processes applied

    @property
    def cursor(self) -> int:
        """The last seq followed."""
        return self._cursor

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="ombuds-follow", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.tick()

    def tick(self) -> None:
        """Follow up to the head; never raises (the server must keep serving)."""
        try:
            self.poll()
            self._failures = 0
        except Exception as exc:
            self._failures += 1
            # The type only: a message may carry SQL parameters (signals, ids).
            log.warning(
                "following the ledger after seq %d failed (%s, try %d); retrying",
                self._cursor,
                type(exc).__name__,
                self._failures,
            )
            if self._failures >= GIVE_UP:
                self._rebuild()

    def poll(self) -> int:
        """Apply the entries of other processes after the cursor; how many were applied."""
        done = 0
        # Everything up to the head read now is committed (seq order is commit order), so
        # the cursor can pass the decision batches after the last change: each read then
        # scans only what is new.
        head = head_seq(self._database)
        while not self._stop.is_set() and self._cursor < head:
            page = read_changes(self._database, self._cursor, head)
            changes = Changes()
            for entry in page:
                if not self._own.mine(entry):
                    changes.note(entry)
            if changes.count:
                apply(self._runtime, changes, rebuild=self._reload)
                log.info("applied %d ledger entries up to seq %d", changes.count, page[-1].seq)
            done += changes.count
            self._advance(page[-1].seq if len(page) == PAGE else head)
        self.applied += done
        return done

    def _advance(self, seq: int) -> None:
        self._cursor = seq
        self._own.prune(seq)

    def _reload(self) -> int:
        """A fresh engine from the store, swapped in; the head read before it was built."""
        head = head_seq(self._database)
        self._runtime.reload()
        # Our own changes after `head` may have gone to the engine just replaced, after
        # the new one read the store: they are applied again when the follower reaches them.
        self._own.disown_after(head)
        return head

    def _rebuild(self) -> None:
        """Last resort: a fresh engine from the store, and follow on from where it read."""
        try:
            head = self._reload()
        except Exception as exc:
            log.error("rebuilding the engine for the ledger failed (%s)", type(exc).__name__)
            return
        self._advance(max(self._cursor, head))
        self._failures = 0
        log.warning("engine rebuilt from the store; following on after seq %d", self._cursor)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._own.close()
