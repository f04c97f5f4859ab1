"""Turning a verdict into a decision (and its notice): shared by the inline and deferred tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ombuds.domain import Content, Decision, Policy, Reason, Signal, Tier
from ombuds.engine.ids import new_id
from ombuds.engine.notices import make_notice
from ombuds.engine.verdict import Verdict

UNSCANNABLE = "unscannable"


class About(Protocol):
    """What a decision is about: a Content, or a `Subject` kept once its bytes are gone."""

    @property
    def content_id(self) -> str: ...
    @property
    def author_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def extra(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class Subject:
    """What a decision is about: the content's ids, without its bytes."""

    content_id: str
    author_id: str
    conversation_id: str
    kind: str
    extra: Mapping[str, str] = field(default_factory=dict)  # the platform's, e.g. a preview

    @classmethod
    def of(cls, content: Content) -> Subject:
        ids = (content.content_id, content.author_id, content.conversation_id, content.kind)
        return cls(*ids, content.extra)


def unscannable_verdict(policies: Sequence[Policy]) -> Verdict:
    """What the covering policies say about content nobody could read: the strictest wins."""
    policy = max(policies, key=lambda p: p.action_for(UNSCANNABLE).severity)
    return Verdict(policy.action_for(UNSCANNABLE), UNSCANNABLE, policy, ())


def decide(
    subject: About,
    verdict: Verdict,
    *,
    tier: Tier,
    now: datetime,
    elapsed_us: float,
    appeal_url: str,
    signals: Sequence[Signal] = (),
    unscannable: str = "",
    supersedes: str | None = None,
    decision_id: str = "",
) -> Decision:
    decision_id = decision_id or new_id("dcs")
    reason = Reason.NO_MATCH
    if unscannable:
        reason = Reason.UNSCANNABLE
    elif verdict.evidence:
        reason = Reason.MATCHED
    policy = verdict.policy
    notice = None
    if verdict.action.restricts and policy is not None:
        notice = make_notice(
            decision_id=decision_id,
            content_id=subject.content_id,
            author_id=subject.author_id,
            action=verdict.action,
            category=verdict.category,
            policy=policy.name,
            ground=policy.ground,
            evidence=verdict.evidence,
            appeal_url=appeal_url,
            now=now,
        )
    return Decision(
        decision_id=decision_id,
        content_id=subject.content_id,
        author_id=subject.author_id,
        conversation_id=subject.conversation_id,
        content_kind=subject.kind,
        action=verdict.action,
        reason=reason,
        tier=tier,
        created_at=now,
        elapsed_us=elapsed_us,
        category=verdict.category,
        policy=policy.name if policy is not None else "",
        evidence=verdict.evidence,
        signal_types=tuple(dict.fromkeys(s.signal_type for s in signals)) if signals else (),
        signals=tuple(signals),
        notice=notice,
        supersedes=supersedes,
        detail=unscannable,
        extra=dict(subject.extra) if subject.extra else {},
    )
