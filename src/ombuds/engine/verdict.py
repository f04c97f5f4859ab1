"""Turning evidence into one action: each covering policy judges its own evidence, the most
severe judgement wins."""

from __future__ import annotations

from collections.abc import Sequence

from ombuds.domain import Action, Evidence, Policy
from ombuds.domain.value import value_object


@value_object
class Verdict:
    action: Action
    category: str
    policy: Policy | None
    evidence: tuple[Evidence, ...]  # everything any covering policy matched


def _relevant(policy: Policy, evidence: Sequence[Evidence]) -> list[Evidence]:
    return [
        e
        for e in evidence
        if (e.source == "bank" and e.name in policy.banks and _orientation_ok(policy, e))
        or (e.source == "lexicon" and e.name in policy.lexicons)
    ]


def _orientation_ok(policy: Policy, evidence: Evidence) -> bool:
    # A match found only by rotating or mirroring counts for policies that asked for it.
    return policy.dihedral or evidence.transform in ("", "original")


_NOTHING = Verdict(Action.ALLOW, "", None, ())


def judge(policies: Sequence[Policy], evidence: Sequence[Evidence]) -> Verdict:
    # The first covering policy is named even when nothing matched: a decision records
    # the policy it was analysed under (a reviewer may later bank what it let through).
    first = policies[0] if policies else None
    if not evidence:  # the common case: nothing matched, nothing to weigh
        return Verdict(Action.ALLOW, "", first, ())
    best = _NOTHING
    kept: list[Evidence] = []
    for policy in policies:
        relevant = _relevant(policy, evidence)
        kept.extend(e for e in relevant if e not in kept)
        for item in relevant:
            action = policy.action_for(item.category)
            # Strictly greater: ties keep the first policy and category, so results are stable.
            if best is _NOTHING or action.severity > best.action.severity:
                best = Verdict(action, item.category, policy, ())
    return Verdict(best.action, best.category, best.policy or first, tuple(kept))
