"""Checking the chain: every digest, every link, the head, and the rows it commits to
(decisions, and the reasons of case and appeal decisions).

Reads the ledger in seq order, a page at a time. The first problem found is reported with
the seq of the entry where the chain stops being trustworthy; nothing after it is judged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ombuds.records.accountability_schema import AppealRow
from ombuds.records.ledger.chain import GENESIS, entry_digest, root
from ombuds.records.ledger.model import Kind, Verification
from ombuds.records.ledger.schema import LedgerEntryRow, LedgerHeadRow
from ombuds.records.ledger.sealed import matches
from ombuds.records.repos.appeals import APPEAL_DECIDE
from ombuds.records.repos.decisions import row_digest
from ombuds.records.schema import CaseRow, DecisionRow, NoticeRow

PAGE = 1_000

Problem = tuple[int, str] | None
# (session, payload, subject) -> (problem or "", decision rows rechecked)
Check = Callable[[Session, dict[str, Any], str], tuple[str, int]]


def _decision_rows(
    s: Session, column: Any, batch: str
) -> list[tuple[DecisionRow, NoticeRow | None]]:
    stmt = (
        select(DecisionRow, NoticeRow)
        .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
        .where(column == batch)
        .order_by(DecisionRow.decision_id)
    )
    return [(d, n) for d, n in s.execute(stmt).all()]


def _check_decisions(s: Session, payload: dict[str, Any], _subject: str) -> tuple[str, int]:
    """A decisions entry: the rows of its batch are all there and unaltered (or purged)."""
    rows = _decision_rows(s, DecisionRow.ledger_batch, str(payload.get("batch")))
    if len(rows) != payload.get("count"):
        return f"its batch has {len(rows)} decisions, the entry says {payload.get('count')}", 0
    if root([d.digest or "" for d, _ in rows]) != payload.get("root"):
        return "a decision's stored digest differs from the one the entry commits to", 0
    rechecked = 0
    for d, n in rows:
        if d.purge_batch is None:
            rechecked += 1
            if row_digest(d, n) != d.digest:
                return f"decision {d.decision_id} was altered after it was recorded", rechecked
    return "", rechecked


def _check_purge(s: Session, payload: dict[str, Any], _subject: str) -> tuple[str, int]:
    """A purge entry: the rows it purged still hold exactly the values it committed to."""
    rows = _decision_rows(s, DecisionRow.purge_batch, str(payload.get("batch")))
    if len(rows) != payload.get("count"):
        return (
            f"its batch has {len(rows)} purged decisions, the entry says {payload.get('count')}",
            0,
        )
    if root([row_digest(d, n) for d, n in rows]) != payload.get("root"):
        return "a purged decision was altered after the purge", len(rows)
    return "", len(rows)


def _sealed_reason(table: type[CaseRow] | type[AppealRow], noun: str) -> Check:
    """A case or appeal decision: while its row keeps the reason, the reason is the one the
    entry sealed (`ledger.sealed`); entries from before reasons were sealed have none."""

    def check(s: Session, payload: dict[str, Any], subject: str) -> tuple[str, int]:
        digest = payload.get("reason_hmac")
        if digest is None:
            return "", 0
        stmt = select(table.reason, table.reason_salt).where(table.public_id == subject)
        found = s.execute(stmt).one_or_none()
        if found is None:
            return f"{noun} {subject} is missing", 0
        reason, salt = found
        if (salt or reason) and not matches(reason, salt, str(digest)):
            return f"the reason of {noun} {subject} was altered after it was decided", 0
        return "", 0

    return check


_CHECKS: dict[str, Check] = {
    Kind.DECISIONS: _check_decisions,
    Kind.PURGE: _check_purge,
    Kind.CASE_DECIDE: _sealed_reason(CaseRow, "case"),
    APPEAL_DECIDE: _sealed_reason(AppealRow, "appeal"),
}


class _Walk:
    def __init__(self) -> None:
        self.expected = 1
        self.prev = GENESIS
        self.checked = 0
        self.decisions = 0

    def entry(self, s: Session, row: LedgerEntryRow, rows_too: bool) -> Problem:
        if row.seq != self.expected:
            return self.expected, f"entry {self.expected} is missing (next found: {row.seq})"
        if row.prev_digest != self.prev:
            return row.seq, "its prev_digest is not the digest of the entry before it"
        digest = entry_digest(
            seq=row.seq,
            kind=row.kind,
            actor=row.actor,
            subject=row.subject,
            payload=row.payload,
            created_at=row.created_at,
            prev_digest=row.prev_digest,
        )
        if digest != row.digest:
            return row.seq, "its digest does not match its contents (the entry was edited)"
        check = _CHECKS.get(row.kind) if rows_too else None
        if check is not None:
            problem, rechecked = check(s, row.payload, row.subject)
            self.decisions += rechecked
            if problem:
                return row.seq, problem
        self.checked += 1
        self.expected += 1
        self.prev = row.digest
        return None


def _head(s: Session) -> tuple[int, str] | None:
    head = s.get(LedgerHeadRow, 1, populate_existing=True)
    return None if head is None else (head.seq, head.digest)


def _tail_problem(s: Session, walk: _Walk, head: tuple[int, str] | None) -> Problem:
    """The walk ended where the head (read before it) said, and nothing was added past it.

    The head and its entries commit together, so entries up to the first head read are all
    committed; entries appended since are left for the next verification.
    """
    last = walk.expected - 1
    if head is None:
        return None if last == 0 else (1, "the ledger's head record is missing")
    if last < head[0]:
        return last + 1, f"entries {last + 1} to {head[0]} are missing (the head is {head[0]})"
    if head[1] != walk.prev:
        return last, "the head's digest does not match this entry's"
    newest = int(s.scalar(select(func.max(LedgerEntryRow.seq))) or 0)
    now = _head(s)
    if now is not None and newest > now[0]:
        return now[0] + 1, f"entries after the head ({now[0]}) were added without it"
    return None


def _page(s: Session, after: int, upto: int) -> Sequence[LedgerEntryRow]:
    stmt = (
        select(LedgerEntryRow)
        .where(LedgerEntryRow.seq > after, LedgerEntryRow.seq <= upto)
        .order_by(LedgerEntryRow.seq)
    )
    return s.scalars(stmt.limit(PAGE)).all()


def verify_chain(s: Session, *, decisions: bool = True) -> Verification:
    """Walk the chain up to its current head; `decisions=False` skips the decision rows."""
    head = _head(s)
    upto = head[0] if head is not None else int(s.scalar(select(func.max(LedgerEntryRow.seq))) or 0)
    walk = _Walk()
    after = 0
    problem: Problem = None
    while problem is None and (page := _page(s, after, upto)):
        for row in page:
            problem = walk.entry(s, row, decisions)
            if problem is not None:
                break
        after = page[-1].seq
        s.expunge_all()  # keep memory flat on long chains
    if problem is None:
        problem = _tail_problem(s, walk, head)
    bad_seq, why = problem if problem is not None else (None, "")
    return Verification(
        checked=walk.checked,
        head_seq=walk.expected - 1,
        head_digest=walk.prev,
        decisions_checked=walk.decisions,
        bad_seq=bad_seq,
        problem=why,
    )
