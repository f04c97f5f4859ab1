"""A moderator's decision on a review case, as a decision of its own.

Closing a case is not only bookkeeping: confirming it restricts the content, and the user
must be told so by a notice that says a person decided (`automated_decision` false);
rejecting it clears the content. Either way the platform learns it as a decision that
supersedes the one that opened the case, recorded in the transaction that closes the case.
Escalating hands the case on and decides nothing yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ombuds.domain import Action, BankEntry, Case, CaseStatus, Decision, Outcome, Tier
from ombuds.engine.banking import Banker
from ombuds.engine.ids import new_id
from ombuds.engine.notices import make_notice
from ombuds.errors import ConflictError
from ombuds.records import Store
from ombuds.records.types import utcnow

# What a confirmation does to the content: the strongest restriction there is, because a
# person has now judged it against the policy.
CONFIRMED_ACTION = Action.BLOCK


@dataclass(frozen=True, slots=True)
class ReviewResult:
    case: Case
    decision: Decision | None  # None for an escalation
    banked: tuple[str, ...]  # public ids of the bank entries the confirmation added


def outcome_decision(
    original: Decision, case: Case, outcome: Outcome, *, by: str, reason: str, appeal_url: str
) -> Decision | None:
    """The decision a case outcome makes: block with a human notice, allow, or none."""
    if outcome is Outcome.ESCALATE:
        return None
    now = utcnow()
    decision_id = new_id("dcs")
    action = CONFIRMED_ACTION if outcome is Outcome.CONFIRM else Action.ALLOW
    notice = None
    if action.restricts:
        notice = make_notice(
            decision_id=decision_id,
            content_id=original.content_id,
            author_id=original.author_id,
            action=action,
            category=original.category,
            policy=original.policy,
            ground=_ground(original),
            evidence=original.evidence,
            appeal_url=appeal_url,
            now=now,
            automated_decision=False,
        )
    return Decision(
        decision_id=decision_id,
        content_id=original.content_id,
        author_id=original.author_id,
        conversation_id=original.conversation_id,
        content_kind=original.content_kind,
        action=action,
        reason=original.reason,
        tier=Tier.DEFERRED,  # after delivery, like every decision that changes an earlier one
        created_at=now,
        elapsed_us=0.0,
        category=original.category,
        policy=original.policy,
        evidence=original.evidence,
        signal_types=original.signal_types,
        signals=original.signals,
        supersedes=original.decision_id,
        detail=f"{outcome.value} in review case {case.case_id} by {by}: {reason}".strip(": "),
        extra={**original.extra, "case_id": case.case_id, "reviewed_by": by},
        notice=notice,
    )


def _ground(original: Decision) -> str:
    return original.notice.ground if original.notice is not None else ""


class ReviewDesk:
    """Decides cases for the API and the console alike."""

    def __init__(
        self,
        store: Store,
        *,
        appeal_url: str,
        learn: Callable[[Mapping[int, BankEntry]], None] | None = None,
        deliver: Callable[[Decision], object] | None = None,
    ) -> None:
        self._store = store
        self._appeal_url = appeal_url
        self._learn = learn
        self._deliver = deliver

    def decide(
        self,
        case_id: str,
        outcome: Outcome,
        *,
        by: str,
        reason: str,
        actor: str,
        bank: str | None = None,
    ) -> ReviewResult:
        """Close an open case (ConflictError if decided already, NotFoundError if unknown),
        banking its signals first when a confirmation names a bank."""
        case = self._store.get_case(case_id)
        if case.status is not CaseStatus.OPEN:  # before anything is banked
            raise ConflictError(f"case '{case_id}' is already {case.status.value}", field="case_id")
        original = self._store.get_decision(case.decision_id)
        decision = outcome_decision(
            original, case, outcome, by=by, reason=reason, appeal_url=self._appeal_url
        )
        banked: list[BankEntry] = []
        if outcome is Outcome.CONFIRM and bank is not None:
            # Refuses a bank the decision's policy does not use (InputError naming `bank`).
            banked = Banker(self._store).confirm(
                original, bank, author=by, reason=reason, actor=actor
            )
        decided = self._store.decide_case(
            case_id, outcome, by=by, reason=reason, actor=actor, bank=bank, decision=decision
        )
        if banked and self._learn is not None:
            ids = self._store.entry_ids([e.public_id for e in banked])
            self._learn({ids[e.public_id]: e for e in banked if e.public_id in ids})
        if decision is not None and self._deliver is not None:
            self._deliver(decision)
        return ReviewResult(decided, decision, tuple(e.public_id for e in banked))
