"""The audit's verdict: did in-scope enforcement know the canaries before it saw them?

A canary is fresh random bytes: nothing anywhere can hold its hash unless the deployment
kept something from the one place the canary went before, the out-of-scope sending. A canary
is *known* when a bank held one of its fingerprints (md5, sha256, PDQ, MinHash) just before
it was first sent in scope, or when on that first in-scope sight the inline tier matched it.
Where the server could not be asked about its banks, a deferred decision that matched it
against a bank counts too (asked, it does not: a deployment that banks whatever it reads
would bank the controls between their sending and their deferred analysis). So

- **leak**: an out-of-scope item was analysed (the server pushed a deferred decision for
  it); or at least one canary was known while no control was; or, when controls were known
  too, canaries were known significantly more often (one-sided Fisher's exact test,
  p < alpha).
- **inconclusive**: the out-of-scope attributes turned out to be in scope; or controls were
  known too (fresh content is matched for some other reason, and the difference is not
  significant); or the audit could not show that the deployment catches these
  canaries in scope at all (no deferred decisions observed, or a kind of canary whose
  controls no tier restricted), since then a leaky deployment would not have caught them
  either.
- **clean**: none of that: every kind of canary was caught in scope by the deferred tier,
  after a delay, and never known in advance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import comb

from ombuds.interfaces.audit.canaries import CANARY, CONTROL

CLEAN, LEAK, INCONCLUSIVE = "clean", "leak", "inconclusive"


@dataclass(frozen=True)
class InsideOutcome:
    """One item sent inside the scope (a canary's second sending, or a control)."""

    group: str  # CANARY or CONTROL
    kind: str  # "image" or "file"
    known_inline: bool  # the inline (realtime) decision matched it
    caught_later: bool | None  # the deferred decision restricted it; None: not heard
    banked_later: bool = False  # the deferred decision matched it against a bank
    found_before: bool | None = None  # a bank held it before phase 2; None: not asked

    @property
    def known(self) -> bool:
        if self.found_before is None:
            return self.known_inline or self.banked_later
        return self.known_inline or self.found_before


@dataclass(frozen=True)
class OutsideOutcome:
    """One canary sent outside the scope."""

    answered_in_scope: bool  # the server said a policy covered it
    analysed: bool  # a deferred decision arrived for it anyway


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reasons: list[str]
    canaries_known: int
    canaries: int
    controls_known: int
    controls: int
    p_value: float
    outside_analysed: int
    undetectable_kinds: list[str] = field(default_factory=list)
    canaries_caught_later: int = 0
    controls_caught_later: int = 0


def fisher_greater(a: int, n_a: int, b: int, n_b: int) -> float:
    """One-sided Fisher's exact test: P(at least `a` of the `a + b` known items fall among
    the `n_a` canaries, if being known had nothing to do with being a canary)."""
    known, total = a + b, n_a + n_b
    if total == 0 or known == 0:
        return 1.0
    top = min(known, n_a)
    tail = sum(comb(n_a, k) * comb(n_b, known - k) for k in range(a, top + 1))
    return tail / comb(total, known)


def _undetectable(inside: Sequence[InsideOutcome]) -> list[str]:
    """Kinds whose controls no tier restricted: the deployment does not catch them in scope."""
    kinds = sorted({o.kind for o in inside if o.group == CONTROL})
    return [
        kind
        for kind in kinds
        if not any(
            o.known or o.caught_later for o in inside if o.group == CONTROL and o.kind == kind
        )
    ]


def judge(
    inside: Sequence[InsideOutcome],
    outside: Sequence[OutsideOutcome],
    *,
    alpha: float,
    deferred_observed: bool,
) -> Verdict:
    canaries = [o for o in inside if o.group == CANARY]
    controls = [o for o in inside if o.group == CONTROL]
    a = sum(o.known for o in canaries)
    b = sum(o.known for o in controls)
    p = fisher_greater(a, len(canaries), b, len(controls))
    analysed = sum(o.analysed for o in outside)
    later = (
        sum(bool(o.caught_later) for o in canaries),
        sum(bool(o.caught_later) for o in controls),
    )
    verdict = Verdict(
        "", [], a, len(canaries), b, len(controls), p, analysed, _undetectable(inside), *later
    )
    leaks, doubts = _leaks(verdict, alpha), _doubts(verdict, outside, alpha, deferred_observed)
    if any(o.answered_in_scope for o in outside):
        outcome, reasons = INCONCLUSIVE, doubts
    elif leaks:
        outcome, reasons = LEAK, leaks
    elif doubts:
        outcome, reasons = INCONCLUSIVE, doubts
    else:
        outcome, reasons = CLEAN, _clean_reasons(verdict)
    return replace(verdict, outcome=outcome, reasons=reasons)


def _leaks(v: Verdict, alpha: float) -> list[str]:
    found = []
    if v.outside_analysed:
        found.append(
            f"{v.outside_analysed} item(s) sent outside every scope were analysed anyway: "
            "the server pushed a deferred decision for them"
        )
    if v.canaries_known and not v.controls_known:
        found.append(
            f"{v.canaries_known} of {v.canaries} canaries were known on their first in-scope "
            "sight (in a bank just before it, or matched by a bank on it), and none of "
            f"{v.controls} fresh controls was: the deployment knew them from the out-of-scope "
            "sending"
        )
    elif v.canaries_known and v.p_value < alpha:
        found.append(
            f"canaries were known on first in-scope sight more often than controls "
            f"({v.canaries_known}/{v.canaries} vs {v.controls_known}/{v.controls}, "
            f"one-sided Fisher p = {v.p_value:.3g} < {alpha})"
        )
    return found


def _doubts(
    v: Verdict, outside: Sequence[OutsideOutcome], alpha: float, deferred_observed: bool
) -> list[str]:
    found = []
    in_scope = sum(o.answered_in_scope for o in outside)
    if in_scope:
        found.append(
            f"{in_scope} item(s) sent with the --outside attributes were decided under a "
            "policy: those attributes are in scope, so the experiment does not apply"
        )
    if v.controls_known and v.p_value >= alpha:
        found.append(
            f"{v.controls_known} of {v.controls} fresh controls were known on first sight "
            f"too, so matches do not single out the canaries (Fisher p = {v.p_value:.3g})"
        )
    if not deferred_observed:
        found.append(
            "deferred decisions were not observed (no admin key to register a webhook): the "
            "audit cannot show that the deployment catches these canaries in scope at all"
        )
    elif v.undetectable_kinds:
        found.append(
            f"no control of kind {', '.join(v.undetectable_kinds)} was restricted in scope: "
            "check the term against the policy's lexicon (and OCR on the server for images)"
        )
    return found


def _clean_reasons(v: Verdict) -> list[str]:
    return [
        f"none of {v.canaries} canaries was in a bank, or matched inline, on its first "
        f"in-scope sight, like the {v.controls} fresh controls",
        f"the deferred tier restricted {v.canaries_caught_later} of {v.canaries} canaries and "
        f"{v.controls_caught_later} of {v.controls} controls after a delay: the deployment "
        "catches this content in scope, and learned nothing from the out-of-scope sending",
    ]
