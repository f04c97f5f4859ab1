"""Case: an item in the review queue. Every stored decision whose action is `review` opens
one; a reviewer closes it by confirming, rejecting or escalating the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ombuds.domain.decision import Action, Decision, Evidence, Reason, Tier


class CaseStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ESCALATED = "escalated"


class Outcome(StrEnum):
    """What a reviewer decides about an open case."""

    CONFIRM = "confirm"
    REJECT = "reject"
    ESCALATE = "escalate"

    @property
    def status(self) -> CaseStatus:
        return _STATUS[self]


_STATUS = {
    Outcome.CONFIRM: CaseStatus.CONFIRMED,
    Outcome.REJECT: CaseStatus.REJECTED,
    Outcome.ESCALATE: CaseStatus.ESCALATED,
}


def needs_review(decision: Decision) -> bool:
    """Whether a stored decision opens a case: its action is review, whatever the tier or
    reason (a match whose category the policy reviews, or content nobody could read)."""
    return opens_case(decision.action, decision.reason)


def opens_case(action: Action, reason: Reason) -> bool:
    """`needs_review` for a decision's action and reason alone."""
    return action is Action.REVIEW and reason is not Reason.OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    decision_id: str
    content_id: str
    content_kind: str
    policy: str
    category: str
    tier: Tier
    decision_reason: Reason  # why the decision was taken: matched or unscannable
    status: CaseStatus
    opened_at: datetime
    evidence: tuple[Evidence, ...] = ()  # the decision's, for the reviewer
    detail: str = ""  # the decision's detail, e.g. why the content was unscannable
    decided_at: datetime | None = None
    decided_by: str = ""  # the reviewer's API key name
    reason: str = ""  # the reviewer's reason for the outcome
    bank: str | None = None  # where a confirmation banked the content's signals
