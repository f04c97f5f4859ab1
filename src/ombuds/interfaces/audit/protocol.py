"""The experiment: canaries out of scope, a wait, then canaries and fresh controls in scope.

1. Make the canaries (set A) and as many controls (set B), all fresh.
2. Check the server is ready and the keys have their roles; with an admin key, register a
   webhook so deferred decisions are heard (deleted again at the end, whatever happens).
3. Send A between accounts outside every scope (`outside` attributes). Wait.
4. Send A and B, shuffled, between accounts inside the scope (`inside` attributes).
   Record each inline (realtime) decision and its round trip.
5. Wait for the deferred decisions of everything not blocked inline; record each delay.
6. Judge (see `verdict`).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ombuds.domain import AttributeValue
from ombuds.errors import OmbudsError
from ombuds.interfaces.audit.canaries import CANARY, CONTROL, Canary, closest_pdq, make_set
from ombuds.interfaces.audit.client import AuditClient
from ombuds.interfaces.audit.config import AuditConfig
from ombuds.interfaces.audit.inbox import Heard, Inbox, listening
from ombuds.interfaces.audit.verdict import InsideOutcome, OutsideOutcome, Verdict, judge

OUTSIDE, INSIDE = "outside", "inside"
Say = Callable[[str], None]


@dataclass(frozen=True)
class Later:
    """The deferred (delayed) decision, as the audit's webhook heard it."""

    action: str
    reason: str
    via: str  # where matched text came from: "ocr", "document", or ""
    banked: bool  # matched against a bank entry (fresh content cannot be)
    delay_s: float  # from sending to hearing it
    server_ms: float  # the server's own account of the deferred analysis


@dataclass
class Sending:
    label: str
    group: str
    kind: str
    phase: str
    content_id: str
    sent_s: float  # since the run started
    latency_ms: float
    action: str
    reason: str
    decision_id: str
    matched: list[str]
    later: Later | None = None
    # Inside sendings: "bank:signal type" holding its fingerprints just before phase 2;
    # None when the server could not look them up.
    banked_before: list[str] | None = None

    @property
    def known_inline(self) -> bool:
        return self.reason == "matched"

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "later"}
        data["later"] = None if self.later is None else vars(self.later)
        return data


@dataclass
class AuditResult:
    run_id: str
    config: dict[str, object]
    started_at: datetime
    finished_at: datetime
    canaries: list[Canary]
    sendings: list[Sending]
    deferred_observed: bool
    closest_pdq: int | None
    verdict: Verdict
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Run:
    config: AuditConfig
    client: AuditClient
    run_id: str
    say: Say
    started: float = field(default_factory=time.monotonic)
    sendings: list[Sending] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"audit-{self.run_id}-"

    def send(self, canary: Canary, phase: str, attributes: Mapping[str, AttributeValue]) -> None:
        content_id = f"{self.prefix}{canary.label.lower()}-{phase}"
        answer = self.client.submit(
            content_id,
            canary.kind,
            canary.data,
            filename=f"{canary.label.lower()}.{canary.format}",
            attributes=attributes,
            author_id=f"{self.prefix}sender",
            conversation_id=f"{self.prefix}{'direct' if phase == OUTSIDE else 'group'}",
        )
        d = answer.decision
        self.sendings.append(
            Sending(
                label=canary.label,
                group=canary.group,
                kind=canary.kind,
                phase=phase,
                content_id=content_id,
                sent_s=round(answer.sent_at - self.started, 3),
                latency_ms=round(answer.latency_s * 1000, 1),
                action=str(d["action"]),
                reason=str(d.get("reason", "")),
                decision_id=str(d.get("decision_id", "")),
                matched=[_evidence(e) for e in d.get("evidence", [])],
            )
        )


def _evidence(evidence: Mapping[str, Any]) -> str:
    """`bank:NAME:SIGNAL_TYPE` or `lexicon:NAME:RULE`: what the inline tier matched."""
    detail = evidence.get("signal_type") or evidence.get("rule_id") or ""
    return f"{evidence.get('source')}:{evidence.get('name')}:{detail}"


def _later(sending: Sending, heard: Heard, started: float) -> Later:
    decision = heard.decision
    via = next((e.get("via", "") for e in decision.get("evidence", []) if e.get("via")), "")
    return Later(
        action=str(decision.get("action", "")),
        reason=str(decision.get("reason", "")),
        via=str(via),
        banked=any(e.get("source") == "bank" for e in decision.get("evidence", [])),
        delay_s=round(heard.arrived_at - started - sending.sent_s, 3),
        server_ms=round(float(decision.get("elapsed_us", 0.0)) / 1000, 1),
    )


@contextmanager
def _webhook(
    client: AuditClient, config: AuditConfig, warnings: list[str], say: Say
) -> Iterator[Inbox | None]:
    if not client.can_register_webhooks:
        yield None
        return
    with listening(config.listen_host, config.listen_port, config.callback_url) as inbox:
        webhook_id, inbox.secret = client.create_webhook(inbox.url)
        try:
            yield inbox
        finally:
            try:
                client.delete_webhook(webhook_id)
            except OmbudsError as exc:
                # Said at once too: when the run itself failed, no report will carry it.
                warnings.append(
                    f"the audit's webhook {webhook_id} could not be deleted ({exc}); "
                    f"delete it with DELETE /v1/webhooks/{webhook_id}"
                )
                say(f"warning: {warnings[-1]}")


def _experiment(run: _Run, a: Sequence[Canary], b: Sequence[Canary], rng: random.Random) -> None:
    config = run.config
    run.say(f"phase 1: sending {len(a)} canaries outside the scope {dict(config.outside)}")
    for canary in a:
        run.send(canary, OUTSIDE, config.outside)
    run.say(f"waiting {config.wait_s:g} s")
    time.sleep(config.wait_s)
    both = [*a, *b]
    rng.shuffle(both)  # so neither set has the earlier (or the later) place in the queue
    before = _banked_before(run, both)
    run.say(
        f"phase 2: sending {len(a)} canaries and {len(b)} controls inside {dict(config.inside)}"
    )
    for canary in both:
        run.send(canary, INSIDE, config.inside)
        run.sendings[-1].banked_before = before[canary.label]


def _banked_before(run: _Run, canaries: Sequence[Canary]) -> dict[str, list[str] | None]:
    """Which banks already hold each item's fingerprints, before any is sent in scope.

    The controls have been sent nowhere and the canaries only outside every scope, so a
    bank that holds a canary's fingerprint learned it from there. This sees a leak whatever
    tier would use it, and before any in-scope sending could be banked in the meantime."""
    run.say(f"looking up the fingerprints of {len(canaries)} items in the deployment's banks")
    found: dict[str, list[str] | None] = {}
    for canary in canaries:
        held: list[str] | None = None
        for signal_type, value in canary.fingerprints():
            banks = run.client.banks_holding(signal_type, value)
            if banks is not None:
                held = (held or []) + [f"{bank}:{signal_type}" for bank in banks]
        found[canary.label] = held
    return found


def _collect(run: _Run, inbox: Inbox | None) -> None:
    if inbox is None:
        return
    expected = {s.content_id for s in run.sendings if s.phase == INSIDE and s.action != "block"}
    run.say(
        f"waiting up to {run.config.deferred_timeout_s:g} s for {len(expected)} deferred decisions"
    )
    heard = inbox.wait_for(expected, run.prefix, run.config.deferred_timeout_s)
    for sending in run.sendings:
        if sending.content_id in heard:
            sending.later = _later(sending, heard[sending.content_id], run.started)


def _outcomes(sendings: Sequence[Sending]) -> tuple[list[InsideOutcome], list[OutsideOutcome]]:
    inside = [
        InsideOutcome(
            s.group,
            s.kind,
            s.known_inline,
            None if s.later is None else s.later.action != "allow",
            s.later is not None and s.later.banked,
            None if s.banked_before is None else bool(s.banked_before),
        )
        for s in sendings
        if s.phase == INSIDE
    ]
    outside = [
        OutsideOutcome(s.reason != "out_of_scope", s.later is not None)
        for s in sendings
        if s.phase == OUTSIDE
    ]
    return inside, outside


def run_audit(config: AuditConfig, *, say: Say = lambda _message: None) -> AuditResult:
    """Run the whole experiment against `config.base_url` and judge it."""
    config.check()
    started_at = datetime.now(UTC)
    run_id = secrets.token_hex(4)
    rng = random.Random(secrets.randbits(64))
    a, b = (
        make_set(group, config.terms, documents=config.documents, images=config.images, rng=rng)
        for group in (CANARY, CONTROL)
    )
    warnings: list[str] = []
    with AuditClient(
        config.base_url,
        config.key,
        admin_key=config.admin_key,
        timeout_s=config.request_timeout_s,
    ) as client:
        client.check_ready()
        client.check_keys()
        run = _Run(config, client, run_id, say)
        with _webhook(client, config, warnings, say) as inbox:
            _experiment(run, a, b, rng)
            _collect(run, inbox)
    inside, outside = _outcomes(run.sendings)
    verdict = judge(inside, outside, alpha=config.alpha, deferred_observed=inbox is not None)
    return AuditResult(
        run_id=run_id,
        config=config.public(),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        canaries=[*a, *b],
        sendings=run.sendings,
        deferred_observed=inbox is not None,
        closest_pdq=closest_pdq(a, b),
        verdict=verdict,
        warnings=warnings,
    )
