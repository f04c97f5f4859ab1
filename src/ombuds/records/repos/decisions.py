"""Decisions and their notices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ombuds.domain import Action, Decision, Evidence, Notice, Reason, Signal, Tier
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import Kind, append
from ombuds.records.ledger.chain import decision_digest, root
from ombuds.records.repos.common import Sessions, chunked
from ombuds.records.repos.rows import insert_rows
from ombuds.records.schema import DecisionRow, NoticeRow

# Decisions arrive in bursts from the engine; one multi-row INSERT per batch keeps the
# per-decision cost to a few microseconds of database time.
INSERT_BATCH = 2_000


def signal_to_json(signal: Signal) -> dict[str, Any]:
    return {"type": signal.signal_type, "value": signal.value, "quality": signal.quality}


def signal_from_json(data: dict[str, Any]) -> Signal:
    return Signal(data["type"], data["value"], data.get("quality"))


def _decision_values(d: Decision) -> dict[str, Any]:
    return {
        "decision_id": d.decision_id,
        "content_id": d.content_id,
        "author_id": d.author_id,
        "conversation_id": d.conversation_id,
        "content_kind": d.content_kind,
        "action": d.action.value,
        "reason": d.reason.value,
        "tier": d.tier.value,
        "category": d.category,
        "policy": d.policy,
        "evidence": [e.as_dict() for e in d.evidence],
        "signal_types": list(d.signal_types),
        "signals": [signal_to_json(s) for s in d.signals],
        "created_at": d.created_at,
        "elapsed_us": d.elapsed_us,
        "supersedes": d.supersedes,
        "detail": d.detail,
        "extra": dict(d.extra),
    }


# What a decision's digest covers: every value recorded for it, read back by these names.
DECISION_FIELDS = (
    "decision_id",
    "content_id",
    "author_id",
    "conversation_id",
    "content_kind",
    "action",
    "reason",
    "tier",
    "category",
    "policy",
    "evidence",
    "signal_types",
    "signals",
    "created_at",
    "elapsed_us",
    "supersedes",
    "detail",
    "extra",
)
NOTICE_FIELDS = (
    "notice_id",
    "decision_id",
    "content_id",
    "author_id",
    "action",
    "category",
    "policy",
    "ground",
    "automated_detection",
    "automated_decision",
    "matched",
    "how_to_appeal",
    "created_at",
)


def row_digest(row: DecisionRow, notice: NoticeRow | None) -> str:
    """Recompute a stored decision's digest from its row (and its notice's)."""
    return decision_digest(
        [getattr(row, name) for name in DECISION_FIELDS],
        None if notice is None else [getattr(notice, name) for name in NOTICE_FIELDS],
    )


def values_digest(values: dict[str, Any], notice: dict[str, Any] | None) -> str:
    """The digest of a decision about to be recorded, from its row values (and its notice's)."""
    return decision_digest(
        [values[name] for name in DECISION_FIELDS],
        None if notice is None else [notice[name] for name in NOTICE_FIELDS],
    )


def ledgered_rows(
    decisions: Sequence[Decision], notices: dict[str, dict[str, Any]], batch: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The decisions' rows, each with its digest, and the ledger payload committing to them."""
    rows = []
    for d in decisions:
        values = _decision_values(d)
        values["digest"] = values_digest(values, notices.get(d.decision_id))
        values["ledger_batch"] = batch
        rows.append(values)
    ordered = sorted(rows, key=lambda v: str(v["decision_id"]))
    payload = {
        "batch": batch,
        "count": len(rows),
        "notices": len(notices),
        "root": root([str(v["digest"]) for v in ordered]),
        "actions": dict(sorted(Counter(d.action.value for d in decisions).items())),
    }
    return rows, payload


def notice_values(n: Notice) -> dict[str, Any]:
    return {
        "notice_id": n.notice_id,
        "decision_id": n.decision_id,
        "content_id": n.content_id,
        "author_id": n.author_id,
        "action": n.action.value,
        "category": n.category,
        "policy": n.policy,
        "ground": n.ground,
        "automated_detection": n.automated_detection,
        "automated_decision": n.automated_decision,
        "matched": list(n.matched),
        "how_to_appeal": n.how_to_appeal,
        "created_at": n.created_at,
    }


def notice_of_row(row: NoticeRow) -> Notice:
    return Notice(
        notice_id=row.notice_id,
        decision_id=row.decision_id,
        content_id=row.content_id,
        author_id=row.author_id,
        action=Action(row.action),
        category=row.category,
        policy=row.policy,
        ground=row.ground,
        automated_detection=row.automated_detection,
        automated_decision=row.automated_decision,
        matched=tuple(row.matched),
        how_to_appeal=row.how_to_appeal,
        created_at=row.created_at,
    )


def decision_of_row(row: DecisionRow, notice: NoticeRow | None) -> Decision:
    return Decision(
        decision_id=row.decision_id,
        content_id=row.content_id,
        author_id=row.author_id,
        conversation_id=row.conversation_id,
        content_kind=row.content_kind,
        action=Action(row.action),
        reason=Reason(row.reason),
        tier=Tier(row.tier),
        created_at=row.created_at,
        elapsed_us=row.elapsed_us,
        category=row.category,
        policy=row.policy,
        evidence=tuple(Evidence.from_dict(e) for e in row.evidence),
        signal_types=tuple(row.signal_types),
        signals=tuple(signal_from_json(s) for s in row.signals or ()),
        notice=None if notice is None else notice_of_row(notice),
        supersedes=row.supersedes,
        detail=row.detail,
        extra=dict(row.extra),
    )


class DecisionRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def record_decisions(self, decisions: Sequence[Decision], *, actor: str) -> None:
        """Record decisions, their notices and cases, and one ledger entry for them all.

        A ledger row per decision would cost as much as the decision; instead each decision
        row keeps its own digest and the batch's entry commits to all of them (see
        `ledgered_rows`), so `verify` can still recheck every row that is not purged.
        """
        if not decisions:
            return
        for d in decisions:
            if d.notice is not None and d.notice.decision_id != d.decision_id:
                raise ValueError(f"notice {d.notice.notice_id} belongs to another decision")
        notices = {d.decision_id: notice_values(d.notice) for d in decisions if d.notice}
        batch = new_public_id("db")
        rows, payload = ledgered_rows(decisions, notices, batch)
        # Here, not at the top: the cases module reads evidence through this one.
        from ombuds.records.repos.cases import open_cases

        try:
            with self._sessions.begin() as s:
                # The driver's executemany on the session's connection (`insert_rows`):
                # the ORM's bulk path, and even Core's, cost more than the rows' writing.
                connection = s.connection()
                for chunk in chunked(rows, INSERT_BATCH):
                    insert_rows(connection, DecisionRow.__table__, chunk)
                for nchunk in chunked(list(notices.values()), INSERT_BATCH):
                    insert_rows(connection, NoticeRow.__table__, nchunk)
                open_cases(s, decisions)
                append(s, Kind.DECISIONS, actor=actor, subject=batch, payload=payload)
        except IntegrityError as exc:
            raise ConflictError(
                f"a decision or notice id is already recorded: {exc.orig}", field="decision_id"
            ) from exc

    def get_decision(self, decision_id: str) -> Decision:
        stmt = (
            select(DecisionRow, NoticeRow)
            .outerjoin(NoticeRow, NoticeRow.decision_id == DecisionRow.decision_id)
            .where(DecisionRow.decision_id == decision_id)
        )
        with self._sessions() as s:
            hit = s.execute(stmt).one_or_none()
        if hit is None:
            raise NotFoundError(f"no decision '{decision_id}'", field="decision_id")
        return decision_of_row(*hit)

    def count_decisions(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(DecisionRow)) or 0)
