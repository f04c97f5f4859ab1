"""The verdict rule on hand-made outcomes, and Fisher's exact test against known values."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ombuds.interfaces.audit.canaries import CANARY, CONTROL
from ombuds.interfaces.audit.verdict import (
    CLEAN,
    INCONCLUSIVE,
    LEAK,
    InsideOutcome,
    OutsideOutcome,
    fisher_greater,
    judge,
)

QUIET = [OutsideOutcome(answered_in_scope=False, analysed=False)] * 4


def _inside(known_canaries: int, known_controls: int, n: int = 4) -> list[InsideOutcome]:
    """n canaries and n controls (documents); the known ones blocked inline, the others
    restricted by the deferred tier."""
    return [
        InsideOutcome(group, "file", i < known, None if i < known else True)
        for group, known in ((CANARY, known_canaries), (CONTROL, known_controls))
        for i in range(n)
    ]


def test_fisher_matches_the_hypergeometric_tail() -> None:
    assert fisher_greater(4, 4, 0, 4) == pytest.approx(1 / 70)  # 1 / C(8, 4)
    assert fisher_greater(3, 3, 0, 3) == pytest.approx(1 / 20)
    assert fisher_greater(0, 4, 0, 4) == 1.0
    assert fisher_greater(1, 4, 3, 4) == pytest.approx(1 - 1 / 70)
    # scipy.stats.fisher_exact([[8, 2], [1, 9]], alternative="greater") = 0.002739
    assert fisher_greater(8, 10, 1, 10) == pytest.approx(0.0027387, rel=1e-4)


def test_nothing_known_in_advance_and_everything_caught_later_is_clean() -> None:
    verdict = judge(_inside(0, 0), QUIET, alpha=0.01, deferred_observed=True)
    assert verdict.outcome == CLEAN
    assert (verdict.canaries_caught_later, verdict.controls_caught_later) == (4, 4)
    assert "none of 4 canaries" in verdict.reasons[0]


def test_one_canary_known_while_no_control_is_a_leak() -> None:
    # Fresh random bytes: a single inline match can only come from the out-of-scope copy.
    verdict = judge(_inside(1, 0), QUIET, alpha=0.01, deferred_observed=True)
    assert verdict.outcome == LEAK
    assert verdict.canaries_known == 1
    assert "1 of 4 canaries were known on their first in-scope sight" in verdict.reasons[0]


def test_controls_known_too_needs_a_significant_difference() -> None:
    mixed = judge(_inside(2, 1), QUIET, alpha=0.01, deferred_observed=True)
    assert mixed.outcome == INCONCLUSIVE
    assert "controls were known on first sight too" in mixed.reasons[0]
    lopsided = judge(_inside(8, 1, n=10), QUIET, alpha=0.01, deferred_observed=True)
    assert lopsided.outcome == LEAK
    assert "Fisher p = 0.00274" in lopsided.reasons[0]


def test_unasked_a_canary_matched_against_a_bank_by_the_deferred_tier_is_known() -> None:
    # A leak into the deferred tier only: the inline tier stays clean, but the canary's
    # perceptual hash was banked from its out-of-scope copy; the banks were not asked.
    inside = _inside(0, 0)
    inside[0] = InsideOutcome(CANARY, "image", False, True, banked_later=True)
    verdict = judge(inside, QUIET, alpha=0.01, deferred_observed=True)
    assert verdict.outcome == LEAK
    assert verdict.canaries_known == 1
    assert "known on their first in-scope sight" in verdict.reasons[0]


def test_asked_the_banks_decide_and_a_later_bank_match_does_not() -> None:
    """A deployment that banks whatever it reads also banks the controls between their
    sending and their deferred analysis; what the banks held before phase 2 tells apart."""
    inside = [
        InsideOutcome(group, "image", False, True, banked_later=True, found_before=found)
        for group, found in ((CANARY, True), (CONTROL, False))
        for _ in range(4)
    ]
    verdict = judge(inside, QUIET, alpha=0.01, deferred_observed=True)
    assert (verdict.outcome, verdict.canaries_known, verdict.controls_known) == (LEAK, 4, 0)
    clean = [replace(o, found_before=False) for o in inside]
    assert judge(clean, QUIET, alpha=0.01, deferred_observed=True).outcome == CLEAN


def test_an_out_of_scope_item_analysed_is_a_leak() -> None:
    outside = [*QUIET[:3], OutsideOutcome(answered_in_scope=False, analysed=True)]
    verdict = judge(_inside(0, 0), outside, alpha=0.01, deferred_observed=True)
    assert verdict.outcome == LEAK
    assert verdict.outside_analysed == 1


def test_outside_attributes_in_scope_make_the_audit_inconclusive() -> None:
    outside = [OutsideOutcome(answered_in_scope=True, analysed=False)]
    verdict = judge(_inside(4, 0), outside, alpha=0.01, deferred_observed=True)
    assert verdict.outcome == INCONCLUSIVE
    assert "those attributes are in scope" in verdict.reasons[0]


def test_clean_needs_the_deferred_tier_to_be_seen_catching_the_canaries() -> None:
    unseen = [InsideOutcome(o.group, o.kind, False, None) for o in _inside(0, 0)]
    blind = judge(unseen, QUIET, alpha=0.01, deferred_observed=False)
    assert blind.outcome == INCONCLUSIVE
    assert "no admin key" in blind.reasons[0]
    # Controls of one kind nobody restricts: a leaky deployment would not have banked them.
    images = [
        InsideOutcome(CONTROL, "image", False, False),
        InsideOutcome(CANARY, "image", False, False),
    ]
    partial = judge([*_inside(0, 0), *images], QUIET, alpha=0.01, deferred_observed=True)
    assert partial.outcome == INCONCLUSIVE
    assert partial.undetectable_kinds == ["image"]
    # A leak still shows without deferred decisions: inline knowledge needs no webhook.
    known = judge(_inside(2, 0), QUIET, alpha=0.01, deferred_observed=False)
    assert known.outcome == LEAK
