"""Appeals: a user contests a notice; a human who did not take the first decision reviews it.

Also the notice as the accountability layer reads it (`NoticeRecord`): the notice with what
it restricted, who decided, whether it was superseded and whether it is under appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ombuds.domain.decision import Notice

ENGINE = "engine"  # the actor behind every automated decision


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REVERSED = "reversed"


class AppealOutcome(StrEnum):
    """What the reviewer of an appeal decides."""

    UPHELD = "upheld"  # the restriction stands
    REVERSED = "reversed"  # the restriction is lifted and the content restored

    @property
    def status(self) -> AppealStatus:
        return AppealStatus(self.value)


def principal(actor: str) -> str:
    """Who acted, whatever the channel: an API key acts as itself through the API and the
    console alike, so both compare equal; bare names (older records) are key names."""
    channel, sep, name = actor.partition(":")
    if not sep:
        return actor if actor == ENGINE else f"key:{actor}"
    if channel in ("api", "console", "key"):
        return f"key:{name}"
    return actor


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A stored notice with what the accountability layer needs beside it."""

    notice: Notice
    content_kind: str
    decision_created_at: datetime
    # Reviewers who closed a case on the decision (a human confirmed or rejected it).
    human_deciders: tuple[str, ...] = ()
    superseded_by: str | None = None
    appeal_id: str | None = None
    appeal_status: AppealStatus | None = None

    @property
    def first_deciders(self) -> tuple[str, ...]:
        """Everyone who took part in the decision under appeal: the engine that restricted
        the content, and any reviewer who decided its case."""
        return (ENGINE, *self.human_deciders)


@dataclass(frozen=True, slots=True)
class Appeal:
    appeal_id: str
    notice_id: str
    decision_id: str
    content_id: str
    statement: str  # the user's own words, passed on by the platform
    opened_by: str  # actor who filed it on the user's behalf
    opened_at: datetime
    status: AppealStatus
    first_deciders: tuple[str, ...]  # principals who may not review it
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""  # the reviewer's reason for the outcome
    reversal_decision_id: str | None = None  # the allow decision a reversal recorded
    disabled_entries: tuple[str, ...] = ()  # bank entries the reversal disabled
    flagged_entries: tuple[str, ...] = ()  # bank entries the reversal flagged for review

    @property
    def seconds_to_decision(self) -> float | None:
        if self.decided_at is None:
            return None
        return (self.decided_at - self.opened_at).total_seconds()
