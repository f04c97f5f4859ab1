"""Dry-run a draft policy: what would it have done to the latest stored decisions?

Only what is stored can be replayed: each decision's evidence (the bank entries and lexicon
rules that matched, with their categories), its signals (fingerprints, never bytes) and
whether it was unscannable. Content attributes and text are never stored, so a changed scope
or a lexicon the policy did not use before cannot be replayed: such decisions are reported
as "not replayable", with the reason, rather than guessed.

The draft replaces the stored policy of the same name. Decisions made under other policies
are not looked at: whether the draft's scope covers their content is unknowable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ombuds.domain import Action, ContentKind, Decision, Evidence, Policy, Reason, Signal
from ombuds.engine.decide import UNSCANNABLE
from ombuds.engine.verdict import judge

# Matches a decision's stored signals against banks (as they are now); returns evidence.
BankReplay = Callable[[Sequence[Signal], Collection[str]], list[Evidence]]

NOT_REPLAYABLE = "not replayable"


class Change(StrEnum):
    SAME = "same"
    CHANGED = "changed"
    NOT_REPLAYABLE = "not_replayable"


@dataclass(frozen=True, slots=True)
class Replayed:
    """One decision: what it was, what the draft would have made it, and why."""

    decision_id: str
    content_id: str
    content_kind: str
    created_at: datetime
    before: Action
    before_category: str
    after: Action | None  # None when not replayable
    after_category: str
    change: Change
    note: str = ""


@dataclass(frozen=True, slots=True)
class DryRun:
    policy: str
    read: int  # decisions looked at, superseded ones included
    rows: tuple[Replayed, ...]  # decisions under the policy, newest first
    notes: tuple[str, ...]

    @property
    def before(self) -> dict[str, int]:
        return _counts(r.before.value for r in self.rows)

    @property
    def after(self) -> dict[str, int]:
        return _counts(r.after.value if r.after else NOT_REPLAYABLE for r in self.rows)

    @property
    def changed(self) -> tuple[Replayed, ...]:
        return tuple(r for r in self.rows if r.change is Change.CHANGED)

    @property
    def not_replayable(self) -> tuple[Replayed, ...]:
        return tuple(r for r in self.rows if r.change is Change.NOT_REPLAYABLE)


def _counts(values: Iterable[str]) -> dict[str, int]:
    counted = Counter(values)
    order = [a.value for a in Action] + [NOT_REPLAYABLE]
    return {key: counted[key] for key in order if counted[key]}


def dry_run(
    draft: Policy,
    decisions: Sequence[Decision],
    *,
    current: Policy | None,
    replay_banks: BankReplay | None = None,
) -> DryRun:
    """Replay `decisions` (as stored) under `draft`, which replaces `current`.

    `replay_banks` matches stored signals against banks the draft adds; without it, such
    decisions are not replayable.
    """
    superseded = {d.supersedes for d in decisions if d.supersedes}
    mine = [
        d
        for d in decisions
        if d.policy == draft.name
        and d.decision_id not in superseded
        and d.reason is not Reason.OUT_OF_SCOPE
    ]
    replayer = _Replayer(draft, current, replay_banks)
    rows = tuple(replayer.replay(d) for d in mine)
    return DryRun(draft.name, len(decisions), rows, _notes(draft, current, mine))


def _notes(draft: Policy, current: Policy | None, mine: Sequence[Decision]) -> tuple[str, ...]:
    notes = []
    if current is None:
        notes.append(f"there is no stored policy '{draft.name}': the draft is new")
    if not mine:
        notes.append(f"none of the decisions read was made under policy '{draft.name}'")
    notes.append(
        "text and content attributes are never stored: a changed scope or an added "
        "lexicon cannot be replayed, and the lexicons' own rules are as they were then"
    )
    return tuple(notes)


class _Replayer:
    def __init__(self, draft: Policy, current: Policy | None, replay: BankReplay | None):
        self._draft = draft
        self._current = current
        self._replay = replay
        known_banks = set(current.banks) if current else set()
        known_lexicons = set(current.lexicons) if current else set()
        self._new_banks = [b for b in draft.banks if b not in known_banks]
        self._new_lexicons = [x for x in draft.lexicons if x not in known_lexicons]

    def replay(self, decision: Decision) -> Replayed:
        why_not = self._unreplayable(decision)
        if why_not:
            return _row(decision, None, "", Change.NOT_REPLAYABLE, why_not)
        action, category, note = self._judge(decision)
        same = action is decision.action and category == decision.category
        return _row(decision, action, category, Change.SAME if same else Change.CHANGED, note)

    def _unreplayable(self, decision: Decision) -> str:
        current, draft = self._current, self._draft
        if current is None or current.scope.source != draft.scope.source:
            return "the scope changed, and content attributes are not stored"
        if decision.reason is Reason.UNSCANNABLE:
            return ""  # nothing was read: only the action for unscannable content matters
        if self._new_lexicons:
            return f"text is not stored: lexicon {', '.join(self._new_lexicons)} cannot be run"
        media = decision.content_kind != ContentKind.TEXT.value
        if media and self._new_banks and (self._replay is None or not decision.signals):
            return f"no stored signals to match against bank {', '.join(self._new_banks)}"
        if media and draft.dihedral and not current.dihedral:
            return "rotated and mirrored hashes were not computed for this decision"
        others = sorted({e.name for e in decision.evidence if not _used_by(current, e)})
        if others:
            return f"another policy also matched ({', '.join(others)}); it is not replayed"
        return ""

    def _judge(self, decision: Decision) -> tuple[Action, str, str]:
        draft = self._draft
        if not draft.enabled:
            return Action.ALLOW, "", "the draft is disabled"
        if decision.reason is Reason.UNSCANNABLE:
            return draft.action_for(UNSCANNABLE), UNSCANNABLE, ""
        evidence = [e for e in decision.evidence if _used_by(draft, e)]
        note = ""
        if self._new_banks and decision.signals and self._replay is not None:
            found = self._replay(decision.signals, self._new_banks)
            evidence += [e for e in found if e not in evidence]
            note = f"stored signals matched against bank {', '.join(self._new_banks)} as it is now"
        verdict = judge([draft], evidence)
        return verdict.action, verdict.category, note


def _used_by(policy: Policy, evidence: Evidence) -> bool:
    if evidence.source == "bank":
        turned = evidence.transform not in ("", "original")
        return evidence.name in policy.banks and (policy.dihedral or not turned)
    return evidence.source == "lexicon" and evidence.name in policy.lexicons


def _row(
    decision: Decision, after: Action | None, category: str, change: Change, note: str
) -> Replayed:
    return Replayed(
        decision_id=decision.decision_id,
        content_id=decision.content_id,
        content_kind=decision.content_kind,
        created_at=decision.created_at,
        before=decision.action,
        before_category=decision.category,
        after=after,
        after_category=category,
        change=change,
        note=note,
    )
