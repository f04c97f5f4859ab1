"""Decisions with notices, and the bank entry one of them matched, for the accountability
tests of the store (appeals, notices, data requests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ombuds.domain import Action, Bank, BankEntry, Decision, Evidence, Notice, Reason, Signal, Tier
from ombuds.records import Store
from ombuds.records.ledger.schema import LedgerEntryRow

T0 = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
MD5 = "0" * 31 + "1"


def notice_for(decision_id: str, n: int, action: Action, evidence: tuple[Evidence, ...]) -> Notice:
    return Notice(
        notice_id=f"ntc_{n}",
        decision_id=decision_id,
        content_id=f"c{n}",
        author_id=f"user{n % 2}",
        action=action,
        category="scam",
        policy="eu",
        ground="ToS 4.2",
        automated_detection=True,
        automated_decision=True,
        matched=tuple(e.rule_id for e in evidence),
        how_to_appeal=f"https://example.invalid/appeals/ntc_{n}",
        created_at=T0 + timedelta(seconds=n),
    )


def decision(
    n: int,
    action: Action = Action.BLOCK,
    *,
    evidence: tuple[Evidence, ...] = (),
    supersedes: str | None = None,
    kind: str = "text",
) -> Decision:
    decision_id = f"dcs_{n}"
    notice = notice_for(decision_id, n, action, evidence) if action.restricts else None
    return Decision(
        decision_id=decision_id,
        content_id=f"c{n}",
        author_id=f"user{n % 2}",
        conversation_id="room",
        content_kind=kind,
        action=action,
        reason=Reason.MATCHED if evidence else Reason.NO_MATCH,
        tier=Tier.INLINE,
        created_at=T0 + timedelta(seconds=n),
        elapsed_us=3.0,
        category="scam" if evidence else "",
        policy="eu",
        evidence=evidence,
        notice=notice,
        supersedes=supersedes,
    )


def banked(store: Store) -> BankEntry:
    """A bank with one md5 entry; the entry, with its public id."""
    store.create_bank(Bank("known", "scam"), actor="test")
    (entry,) = store.add_entries([BankEntry("known", Signal("md5", MD5), "scam")], actor="test")
    return entry


def exact(entry: BankEntry) -> Evidence:
    return Evidence("bank", "known", entry.public_id, "scam", signal_type="md5")


def near(public_id: str) -> Evidence:
    return Evidence("bank", "known", public_id, "scam", signal_type="pdq", distance=9)


def ledger_kinds(store: Store) -> list[tuple[str, str, str]]:
    """(kind, actor, subject) of every ledger entry, in order."""
    stmt = select(LedgerEntryRow.kind, LedgerEntryRow.actor, LedgerEntryRow.subject).order_by(
        LedgerEntryRow.seq
    )
    with store.engine.connect() as conn:
        return [(k, a, s) for k, a, s in conn.execute(stmt).all()]
