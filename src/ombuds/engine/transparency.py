"""Transparency reports under differential privacy, released once and ledgered.

A report covers a window of time and has five sections: decisions by tier and action, by
category and by policy, appeals by status and cases by status. The unit of privacy is one
author: each contributes at most `contributions` rows to each section (their earliest; see
`records.reports`), so one person changes a section's counts by at most that much in L1.
The report's ε is split evenly over the sections; each gets discrete Laplace noise from
OpenDP with the scale OpenDP's own privacy map certifies for that share. The sections'
keys come from the enums and from the configuration (policy names; categories that a
policy names, a bank carries or a lexicon rule has), never from the data, so which keys
appear reveals nothing; any other value counts under `other`. Negative noisy counts are
published as 0 (post-processing costs no privacy).

Every release spends budget: the ε of all releases whose windows overlap must stay within
`OMBUDS_REPORT_EPSILON_BUDGET`. Asking again for a window already released with the same
parameters returns that release; fresh noise on the same data would spend budget again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ombuds.domain import Action, CaseStatus, Tier
from ombuds.domain.appeal import AppealStatus
from ombuds.errors import ConflictError, InputError, MissingExtraError
from ombuds.records import Store
from ombuds.records.ledger.model import LedgerEntry
from ombuds.records.reports import ExactCounts, Window

FORMAT = "ombuds.transparency/1"
MAX_CONTRIBUTIONS = 10_000
# Below 0.01 the noise would swamp any count a platform has; above 10 it protects no one.
MIN_EPSILON, MAX_EPSILON = 0.01, 10.0
OTHER, NONE = "other", "none"
UNIT = (
    "one author: at most `contributions_per_author` of their rows in each section; rows "
    "without an author id (never given, or removed by retention) count as an author each"
)


@dataclass(frozen=True, slots=True)
class ReportRequest:
    window: Window
    epsilon: float = 1.0
    contributions: int = 10

    def check(self) -> None:
        w = self.window
        for name, when in (("since", w.since), ("until", w.until)):
            if when.utcoffset() is None:
                raise InputError(f"{name} must be timezone-aware", field=name)
        if w.until <= w.since:
            raise InputError("until must be after since", field="until")
        if not MIN_EPSILON <= self.epsilon <= MAX_EPSILON:
            message = f"epsilon must be between {MIN_EPSILON:g} and {MAX_EPSILON:g}"
            raise InputError(message, field="epsilon")
        if not 1 <= self.contributions <= MAX_CONTRIBUTIONS:
            message = f"contributions must be between 1 and {MAX_CONTRIBUTIONS}"
            raise InputError(message, field="contributions")

    def in_utc(self) -> ReportRequest:
        """The same request with its window in UTC, as releases are stored and compared."""
        w = self.window
        window = Window(w.since.astimezone(UTC), w.until.astimezone(UTC))
        return ReportRequest(window, self.epsilon, self.contributions)

    def same_as(self, report: Mapping[str, Any]) -> bool:
        return (
            report.get("since") == self.window.since.isoformat()
            and report.get("until") == self.window.until.isoformat()
            and report.get("epsilon") == self.epsilon
            and report.get("contributions_per_author") == self.contributions
        )


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError:
        raise MissingExtraError("opendp", "reports") from None
    dp.enable_features("contrib")  # OpenDP's flag for its constructors, discrete Laplace too
    return dp


def key_domains(store: Store) -> dict[str, list[str]]:
    """Each section's keys: from the enums and the configuration, never from the data."""
    policies = store.list_policies()
    categories = (
        {c for p in policies for c in p.actions}
        | {bank.category for bank, _n in store.list_banks()}
        | store.reports.rule_categories()
    )
    return {
        "decisions_by_action": [f"{t.value}/{a.value}" for t in Tier for a in Action],
        "decisions_by_category": [*sorted(categories - {""}), NONE, OTHER],
        "decisions_by_policy": [*sorted(p.name for p in policies), NONE, OTHER],
        "appeals_by_status": [s.value for s in AppealStatus],
        "cases_by_status": [s.value for s in CaseStatus],
    }


def _vector(exact: Mapping[str, int], keys: list[str]) -> list[int]:
    known = set(keys)
    out = dict.fromkeys(keys, 0)
    for key, count in exact.items():
        slot = NONE if key == "" and NONE in known else key if key in known else OTHER
        if slot not in known:  # a closed domain (an enum's values) met a value outside it
            raise RuntimeError(f"{key!r} is not one of {keys}")
        out[slot] += count
    return [out[k] for k in keys]


def _noisy_section(dp: Any, counts: list[int], keys: list[str], eps: float, bound: int) -> Any:
    scale = bound / eps
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = dp.m.make_laplace(*space, scale=scale)
    certified = float(measurement.map(bound))
    if certified > eps * (1 + 1e-9):  # OpenDP's map is the authority, not our arithmetic
        raise RuntimeError(f"OpenDP certifies ε={certified} for a share of {eps}")
    noisy = measurement(counts)
    return {
        "epsilon": eps,
        "scale": scale,
        "accuracy_95": dp.discrete_laplacian_scale_to_accuracy(scale, alpha=0.05),
        "counts": {k: max(0, int(v)) for k, v in zip(keys, noisy, strict=True)},
    }


def noisy_report(
    request: ReportRequest, exact: ExactCounts, domains: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The publishable report: only noisy, post-processed counts leave this function."""
    dp = _opendp()
    share = request.epsilon / len(domains)
    sections = {
        name: _noisy_section(
            dp, _vector(exact.get(name, {}), keys), keys, share, request.contributions
        )
        for name, keys in domains.items()
    }
    return {
        "format": FORMAT,
        "since": request.window.since.isoformat(),
        "until": request.window.until.isoformat(),
        "epsilon": request.epsilon,
        "contributions_per_author": request.contributions,
        "unit_of_privacy": UNIT,
        "mechanism": f"discrete Laplace, OpenDP {_version()}; ε split evenly over sections",
        "sections": sections,
    }


def _version() -> str:
    from importlib.metadata import version

    return version("opendp")


def spent(reports: Iterable[Mapping[str, Any]], window: Window) -> float:
    """The ε already spent by releases whose windows overlap `window`."""
    total = 0.0
    for report in reports:
        other = Window(
            datetime.fromisoformat(report["since"]), datetime.fromisoformat(report["until"])
        )
        if other.overlaps(window):
            total += float(report["epsilon"])
    return total


def release(
    store: Store, request: ReportRequest, *, budget: float, actor: str
) -> tuple[LedgerEntry, bool]:
    """Release a report, or find the identical one released before: a ledger entry whose
    payload is the report, and whether it was released now. ConflictError when the budget
    would be exceeded."""
    request.check()
    request = request.in_utc()
    _opendp()  # fail before anything is read when the extra is missing
    domains = key_domains(store)

    def make(exact: ExactCounts, earlier: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        used = spent(earlier, request.window)
        if used + request.epsilon > budget + 1e-9:
            raise ConflictError(
                f"privacy budget exhausted: releases overlapping this window spent ε={used:g} "
                f"of OMBUDS_REPORT_EPSILON_BUDGET={budget:g}; asking for ε={request.epsilon:g}",
                field="epsilon",
            )
        return noisy_report(request, exact, domains)

    return store.reports.release(
        request.window, request.contributions, make, actor=actor, same=request.same_as
    )
