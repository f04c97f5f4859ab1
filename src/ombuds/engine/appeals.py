"""Appeals: filing one against a notice, and a second person's review of it.

The reviewer must not have taken part in the decision under appeal: not the engine (every
automated decision's decider) and not a moderator who decided its review case. Upholding
records the outcome and its reason. Reversing also records a new decision that supersedes
the restricting one with `allow`, hands it to `deliver` (the platform's webhooks, the same
path as any changed decision) once stored, and disables the bank entries that caused an
exact match or flags those that matched only nearly (a near match can be wrong while the
entry is right). All of a decision's effects are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ombuds.domain import Action, Decision, Tier
from ombuds.domain.appeal import Appeal, AppealOutcome, AppealStatus, principal
from ombuds.engine.ids import new_id
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store
from ombuds.records.types import utcnow

MAX_TEXT = 10_000  # characters of a user's statement or a reviewer's reason

Deliver = Callable[[Decision], object]


@dataclass(frozen=True, slots=True)
class AppealResult:
    appeal: Appeal
    reversal: Decision | None  # the allow decision a reversal recorded


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InputError("must not be empty", field=field)
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InputError(f"at most {MAX_TEXT} characters, no NUL", field=field)
    return text


def entries_behind(decision: Decision) -> tuple[list[str], list[str]]:
    """(to disable, to flag): the bank entries the restriction rests on. An exact match
    (a hash, or a perceptual distance of 0) means the banked item itself was judged wrong;
    a near match may be the only mistake."""
    disable: list[str] = []
    flag: list[str] = []
    for e in decision.evidence:
        if e.source != "bank" or e.category != decision.category:
            continue
        (disable if not e.distance else flag).append(e.rule_id)
    return list(dict.fromkeys(disable)), [f for f in dict.fromkeys(flag) if f not in disable]


def reversal_of(original: Decision, appeal: Appeal, reviewer: str, reason: str) -> Decision:
    """The allow decision that restores content a reversed appeal covers."""
    return Decision(
        decision_id=new_id("dcs"),
        content_id=original.content_id,
        author_id=original.author_id,
        conversation_id=original.conversation_id,
        content_kind=original.content_kind,
        action=Action.ALLOW,
        # The match stands; a person judged that it does not warrant a restriction.
        reason=original.reason,
        # After delivery, like every decision that changes an earlier one.
        tier=Tier.DEFERRED,
        created_at=utcnow(),
        elapsed_us=0.0,
        category=original.category,
        policy=original.policy,
        evidence=original.evidence,
        signal_types=original.signal_types,
        supersedes=original.decision_id,
        detail=f"reversed on appeal {appeal.appeal_id}: {reason}",
        extra={"appeal_id": appeal.appeal_id, "reviewed_by": reviewer},
    )


class AppealDesk:
    def __init__(self, store: Store, *, deliver: Deliver | None = None) -> None:
        self._store = store
        self._deliver = deliver

    def file(self, notice_id: str, statement: str, *, actor: str) -> Appeal:
        """Appeal a notice with the user's statement. NotFoundError for an unknown notice,
        ConflictError if it is appealed already or no longer current."""
        return self._store.appeals.open(notice_id, _text(statement, "statement"), actor=actor)

    def decide(
        self, appeal_id: str, outcome: AppealOutcome, reason: str, *, actor: str
    ) -> AppealResult:
        """Uphold or reverse an open appeal. NotFoundError; ConflictError if it is decided
        already or `actor` took part in the decision under appeal."""
        reason = _text(reason, "reason")
        appeal = self._store.appeals.get(appeal_id)
        # Checked here to refuse early; the store checks again inside its transaction.
        if appeal.status is not AppealStatus.OPEN:
            raise ConflictError(
                f"appeal '{appeal_id}' is already {appeal.status}", field="appeal_id"
            )
        if principal(actor) in appeal.first_deciders:
            raise ConflictError(
                f"'{actor}' took part in the decision under appeal; another moderator "
                "must review it",
                field="reviewer",
            )
        if outcome is AppealOutcome.UPHELD:
            decided = self._store.appeals.decide(appeal_id, outcome, reason, actor=actor)
            return AppealResult(decided, None)
        try:
            original = self._store.get_decision(appeal.decision_id)
        except NotFoundError:
            raise ConflictError(
                f"the decision under appeal '{appeal_id}' was purged; it cannot be reversed",
                field="appeal_id",
            ) from None
        reversal = reversal_of(original, appeal, actor, reason)
        disable, flag = entries_behind(original)
        decided = self._store.appeals.decide(
            appeal_id, outcome, reason, actor=actor, reversal=reversal, disable=disable, flag=flag
        )
        if self._deliver is not None:
            self._deliver(reversal)
        return AppealResult(decided, reversal)
