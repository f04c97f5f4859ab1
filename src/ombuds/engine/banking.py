"""Banking confirmed content: a reviewer's or a policy's confirmation turns a decision's
signals into bank entries, with provenance, and the engine's indexes learn them at once.

Only content a policy covers can ever be banked. Out-of-scope content never gets a stored
decision or a signal, so there is nothing to confirm; content given with its bytes is
checked against the policy's scope before anything is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ombuds.domain import Action, BankEntry, Content, Decision, Reason, Signal, Tier
from ombuds.engine.engine import Engine
from ombuds.errors import InputError
from ombuds.matching.signals import SignalTypeRegistry, default_registry
from ombuds.records import Store

_NEAR = frozenset({"pdq", "minhash"})  # signal types whose matches are near, not exact


class Banker:
    def __init__(
        self,
        store: Store,
        engine: Engine | None = None,
        registry: SignalTypeRegistry | None = None,
    ) -> None:
        self._store = store
        self._engine = engine
        self._registry = registry or default_registry()

    def attach(self, engine: Engine) -> None:
        """The engine whose indexes learn what is banked (built after the banker, often)."""
        self._engine = engine

    def confirm(
        self, decision: Decision | str, bank: str, *, author: str, reason: str, actor: str
    ) -> list[BankEntry]:
        """Bank the signals of a stored decision (by object or id) under its own policy."""
        if isinstance(decision, str):
            decision = self._store.get_decision(decision)
        if decision.reason is Reason.OUT_OF_SCOPE or not decision.policy:
            raise InputError("only content a policy covered can be banked", field="decision")
        self._check_bank(decision.policy, bank)
        provenance = (
            f"decision {decision.decision_id} ({decision.category}) under policy {decision.policy}"
        )
        # The bank a confirmation files content in says what the content now is: confirmed,
        # so its category (which policies map to an action) applies, not the decision's. A
        # reviewed match keeps the category that sent it to review otherwise, and the next
        # copy would queue again instead of being stopped.
        origin = f"decision:{decision.decision_id}"
        entries = self._entries(decision.signals, bank, "", provenance, author, reason)
        return self._add(entries, actor, origin)

    def bank_content(
        self, content: Content, policy: str, bank: str, *, author: str, reason: str, actor: str
    ) -> list[BankEntry]:
        """Bank content given with its bytes, if and only if `policy` covers it."""
        covering = self._store.get_policy(policy)
        if not covering.scope.covers(content.attributes):
            raise InputError(
                f"policy '{policy}' does not cover this content: it cannot be banked",
                field="scope",
            )
        self._check_bank(policy, bank)
        computed = (t.compute(content) for t in self._registry if t.applies_to(content))
        signals = [s for s in computed if s is not None]
        provenance = f"content {content.content_id} confirmed under policy {policy}"
        entries = self._entries(signals, bank, "", provenance, author, reason)
        return self._add(entries, actor, f"content:{content.content_id}")

    def _check_bank(self, policy: str, bank: str) -> None:
        if bank not in self._store.get_policy(policy).banks:
            raise InputError(f"policy '{policy}' does not use bank '{bank}'", field="bank")

    def _entries(
        self,
        signals: Sequence[Signal],
        bank: str,
        category: str,
        provenance: str,
        author: str,
        reason: str,
    ) -> list[BankEntry]:
        if not signals:
            raise InputError("the content has no signals to bank", field="signals")
        default = self._store.get_bank(bank).category
        return [
            BankEntry(bank, s, category or default, provenance, author, reason)
            for s in dict.fromkeys(Signal(s.signal_type, s.value) for s in signals)
        ]

    def _add(self, entries: list[BankEntry], actor: str, origin: str) -> list[BankEntry]:
        added = self._store.add_entries(entries, actor=actor, skip_duplicates=True, origin=origin)
        if self._engine is not None and added:
            ids = self._store.entry_ids([e.public_id for e in added])
            self._engine.learn({ids[e.public_id]: e for e in added if e.public_id in ids})
        return added

    def on_decision(self, decision: Decision) -> None:
        """A policy's own confirmation: what its deferred tier blocked goes to its bank."""
        if decision.tier is not Tier.DEFERRED or decision.reason is not Reason.MATCHED:
            return
        if decision.action is not Action.BLOCK:
            return
        # Only near-copies of what a bank already holds. Banking content a lexicon flagged
        # would teach the index its harmless parts: the next clean copy would match.
        if not any(e.source == "bank" and e.signal_type in _NEAR for e in decision.evidence):
            return
        policy = self._store.get_policy(decision.policy)
        if policy.confirm_bank:
            self.confirm(
                decision,
                policy.confirm_bank,
                author=f"policy:{policy.name}",
                reason="confirmed automatically by the policy",
                actor="engine",
            )
