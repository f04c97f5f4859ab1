"""What ledgering costs `record_decisions`: the same batches with and without it, one run.

"without" is the store's insert path without the ledger (decision, notice and case rows,
Core executemany inserts as the store does, one transaction per batch); "with" is
`Store.record_decisions`, which also digests every decision and appends one chained ledger
entry per batch. Rounds alternate the two and figures are medians over rounds. Then the
fixed cost of a transaction: CPU time per `record_decisions` call of 1 and 16 decisions.

    .venv/bin/python bench/ledger.py [--batch 500] [--batches 40] [--rounds 5]
                                     [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Tier
from ombuds.records import Store
from ombuds.records.ledger.chain import EPOCH
from ombuds.records.repos.cases import open_cases
from ombuds.records.repos.decision_records import (
    DECISION_COLUMNS,
    DECISION_FIELDS,
    NOTICE_FIELDS,
    case_openings,
    decision_record,
    decision_rows,
)
from ombuds.records.repos.rows import insert_rows
from ombuds.records.schema import DecisionRow, NoticeRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = count()


def decision(n: int) -> Decision:
    """Like the engine's: most content allowed, 1 in 10 blocked with a notice and evidence."""
    did = f"d{n:09d}"
    when = T0 + timedelta(microseconds=n)
    blocked = n % 10 == 0
    notice = Notice(
        f"n{n:09d}", did, f"c{n}", f"user-{n % 997}", Action.BLOCK, "scam", "eu", "ToS 4",
        True, True, ("r1",), "https://example.invalid/appeals", when,
    )  # fmt: skip
    evidence = Evidence(
        "lexicon", "scams", "r1", "scam", matched_text=("zorbcoin",), spans=((0, 8),)
    )
    return Decision(
        decision_id=did,
        content_id=f"c{n}",
        author_id=f"user-{n % 997}",
        conversation_id=f"room-{n % 101}",
        content_kind="text",
        action=Action.BLOCK if blocked else Action.ALLOW,
        reason=Reason.MATCHED if blocked else Reason.NO_MATCH,
        tier=Tier.INLINE,
        created_at=when,
        elapsed_us=9.5,
        category="scam" if blocked else "",
        policy="eu",
        evidence=(evidence,) if blocked else (),
        signal_types=(),
        notice=notice if blocked else None,
    )


def _plain(values: list[object], at: int) -> list[object]:
    """A record's values as row values (the time as a datetime), without a digest."""
    row = list(values)
    row[at] = EPOCH + timedelta(microseconds=row[at])  # type: ignore[arg-type]
    return row


def without_ledger(store: Store, decisions: Sequence[Decision]) -> None:
    records = [decision_record(d) for d in decisions]
    at, notice_at = DECISION_FIELDS.index("created_at"), NOTICE_FIELDS.index("created_at")
    rows = [[*_plain(d, at), None, None] for d, _n in records]
    notices = [_plain(n, notice_at) for _d, n in records if n is not None]
    with Session(store.engine) as s, s.begin():
        connection = s.connection()
        insert_rows(connection, DecisionRow.__table__, DECISION_COLUMNS, rows)
        insert_rows(connection, NoticeRow.__table__, NOTICE_FIELDS, notices)
        open_cases(s, case_openings(records))


def with_ledger(store: Store, decisions: Sequence[Decision]) -> None:
    store.record_decisions(decisions)


def timed(store: Store, how: str, batches: int, size: int) -> float:
    """Decisions per second over `batches` batches of `size`."""
    work = [[decision(next(_ids)) for _ in range(size)] for _ in range(batches)]
    write = with_ledger if how == "with" else without_ledger
    t0 = time.perf_counter()
    for batch in work:
        write(store, batch)
    return batches * size / (time.perf_counter() - t0)


def digest_only(size: int, repeats: int = 20) -> float:
    """Microseconds per decision spent digesting and building the entry, in Python alone."""
    records = [decision_record(decision(next(_ids))) for _ in range(size)]
    t0 = time.perf_counter()
    for _ in range(repeats):
        decision_rows(records, "db_bench")
    return (time.perf_counter() - t0) / (repeats * size) * 1e6


def per_transaction(store: Store, size: int, calls: int) -> float:
    """Milliseconds of this process's CPU per `record_decisions` call of `size` decisions."""
    work = [[decision(next(_ids)) for _ in range(size)] for _ in range(calls)]
    t0 = time.process_time()
    for batch in work:
        store.record_decisions(batch)
    return (time.process_time() - t0) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500, help="decisions per batch")
    parser.add_argument("--batches", type=int, default=40, help="batches per round and mode")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    console = Console()
    rates: dict[str, list[float]] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Store.open(url) as store:
            timed(store, "with", 2, args.batch)  # warm-up: connections, statement caches
            timed(store, "without", 2, args.batch)
            for r in range(args.rounds):
                order = ("without", "with") if r % 2 == 0 else ("with", "without")
                for how in order:
                    rates[how].append(timed(store, how, args.batches, args.batch))
            fixed = {
                n: statistics.median(per_transaction(store, n, 200) for _ in range(3))
                for n in (1, 16)
            }
            verified = store.verify_ledger()
    base, ledgered = (statistics.median(rates[k]) for k in ("without", "with"))
    table = Table(title=f"record_decisions, batches of {args.batch} ({url.split(':')[0]})")
    table.add_column("mode")
    table.add_column("decisions/s (median)", justify="right")
    table.add_column("per round", justify="right")
    for how, median in (("without ledger", base), ("with ledger", ledgered)):
        rounds = ", ".join(f"{x:,.0f}" for x in rates[how.split()[0]])
        table.add_row(how, f"{median:,.0f}", rounds)
    console.print(table)
    console.print(
        f"ledger overhead: {100 * (base / ledgered - 1):.1f} % time per decision; "
        f"digesting alone: {digest_only(args.batch):.1f} µs per decision; "
        f"verify: ok={verified.ok}, {verified.decisions_checked:,} decisions rechecked"
    )
    console.print(
        "CPU per record_decisions call (median of 3 x 200 calls): "
        + ", ".join(f"{n} decision{'s' if n > 1 else ''}: {ms:.2f} ms" for n, ms in fixed.items())
    )


if __name__ == "__main__":
    main()
