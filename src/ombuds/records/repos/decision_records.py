"""Decisions in record form: what is stored for one, as plain lists.

A record is `[decision, notice]`: the decision's values in `DECISION_FIELDS` order and its
notice's in `NOTICE_FIELDS` order (or None), times as integer microseconds since the epoch
and the JSON columns as plain lists and dicts. That is exactly what the decision's digest
covers (`chain.decision_digest`), it is JSON as it stands (the decision writer process
receives decisions in this form), and table rows are made from it without a Decision being
rebuilt: at tens of thousands of decisions a second, every conversion counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from ombuds.domain import Action, Decision, Notice, Reason, opens_case
from ombuds.records.ledger.chain import EPOCH, decision_digest, micros, root

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
# The columns of a decision row as `decision_rows` gives them (a notice row's: NOTICE_FIELDS).
DECISION_COLUMNS = (*DECISION_FIELDS, "digest", "ledger_batch")

_ID = DECISION_FIELDS.index("decision_id")
_CONTENT = DECISION_FIELDS.index("content_id")
_ACTION = DECISION_FIELDS.index("action")
_REASON = DECISION_FIELDS.index("reason")
_CATEGORY = DECISION_FIELDS.index("category")
_POLICY = DECISION_FIELDS.index("policy")
_AT = DECISION_FIELDS.index("created_at")
_NOTICE_DECISION = NOTICE_FIELDS.index("decision_id")
_NOTICE_AT = NOTICE_FIELDS.index("created_at")
_MICROSECOND = timedelta(microseconds=1)


# A batch's decisions share one clock reading: each conversion below is made once for it
# (and `_time` gives the row writer one object to convert, see `rows.insert_rows`).
_micros = lru_cache(maxsize=1)(micros)


def notice_record(n: Notice) -> list[Any]:
    return [
        n.notice_id,
        n.decision_id,
        n.content_id,
        n.author_id,
        n.action._value_,
        n.category,
        n.policy,
        n.ground,
        n.automated_detection,
        n.automated_decision,
        list(n.matched),
        n.how_to_appeal,
        _micros(n.created_at),
    ]


def decision_record(d: Decision) -> list[Any]:
    """The decision's record: `[decision values, notice values or None]`."""
    return [
        [
            d.decision_id,
            d.content_id,
            d.author_id,
            d.conversation_id,
            d.content_kind,
            # `_value_`, the member's own attribute: `.value` is a descriptor written in
            # Python, ~0.1 µs a read, and a batch reads thousands.
            d.action._value_,
            d.reason._value_,
            d.tier._value_,
            d.category,
            d.policy,
            # Most decisions match nothing: skip the comprehensions' set-up for them.
            [e.as_dict() for e in d.evidence] if d.evidence else [],
            list(d.signal_types),
            _signals(d) if d.signals else [],
            _micros(d.created_at),
            d.elapsed_us,
            d.supersedes,
            d.detail,
            dict(d.extra),
        ],
        None if d.notice is None else notice_record(d.notice),
    ]


def _signals(d: Decision) -> list[dict[str, Any]]:
    return [{"type": s.signal_type, "value": s.value, "quality": s.quality} for s in d.signals]


def check_records(records: Sequence[Sequence[Any]]) -> None:
    """ValueError unless every notice belongs to the decision it comes with."""
    for decision, notice in records:
        if notice is not None and notice[_NOTICE_DECISION] != decision[_ID]:
            raise ValueError(f"notice {notice[0]} belongs to another decision")


def decision_rows(
    records: Sequence[Sequence[Any]], batch: str
) -> tuple[list[list[Any]], list[list[Any]], dict[str, Any]]:
    """Decision rows (`DECISION_COLUMNS`, each with its digest), notice rows
    (`NOTICE_FIELDS`), and the ledger payload committing to the batch's digests."""
    rows, notices, actions = [], [], Counter[str]()
    for decision, notice in records:
        row = [*decision, decision_digest(decision, notice), batch]
        row[_AT] = _time(row[_AT])
        rows.append(row)
        actions[decision[_ACTION]] += 1
        if notice is not None:
            notice_row = list(notice)
            notice_row[_NOTICE_AT] = _time(notice_row[_NOTICE_AT])
            notices.append(notice_row)
    digests = sorted(zip((r[_ID] for r in rows), (r[-2] for r in rows), strict=True))
    payload = {
        "batch": batch,
        "count": len(rows),
        "notices": len(notices),
        "root": root([digest for _id, digest in digests]),
        "actions": dict(sorted(actions.items())),
    }
    return rows, notices, payload


# A review decision's case, as `cases.open_cases` takes it: (decision id, content id,
# policy, category, time).
CaseOpening = tuple[str, str, str, str, datetime]


def case_openings(records: Sequence[Sequence[Any]]) -> list[CaseOpening]:
    """The case each record that needs review opens (see `domain.needs_review`)."""
    return [
        (d[_ID], d[_CONTENT], d[_POLICY], d[_CATEGORY], _time(d[_AT]))
        for d, _notice in records
        if d[_ACTION] == Action.REVIEW and opens_case(Action.REVIEW, Reason(d[_REASON]))
    ]


@lru_cache(maxsize=1)
def _time(us: int) -> datetime:
    return EPOCH + us * _MICROSECOND
