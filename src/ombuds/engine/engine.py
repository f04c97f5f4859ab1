"""`Engine.submit(content) -> Decision`: the scope gate, then the inline tier.

Content that no policy covers is answered `allow` before anything is computed: no signal,
no stored row, no counter. That is Ombuds' first promise, so the gate runs first and the
out-of-scope path touches nothing but the policies' scopes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Content,
    ContentKind,
    Decision,
    Evidence,
    Policy,
    Reason,
    Signal,
    Tier,
)
from ombuds.engine.banks import BankMatcher, EntryCache, indexable
from ombuds.engine.decide import decide, unscannable_verdict
from ombuds.engine.deferred.tier import DeferredTier
from ombuds.engine.ids import new_ids
from ombuds.engine.live_banks import LiveIndexes
from ombuds.engine.sinks import DecisionSink
from ombuds.engine.verdict import Verdict, judge
from ombuds.matching.text import TextMatcher
from ombuds.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(
        self,
        policies: Sequence[Policy],
        *,
        text: TextMatcher,
        banks: BankMatcher,
        settings: Settings,
        sink: DecisionSink | None = None,
        clock: Clock = utc_now,
        deferred: DeferredTier | None = None,
        entries: EntryCache | None = None,
    ) -> None:
        self._policies = tuple(p for p in policies if p.enabled)
        self._text = text
        self._banks = banks
        self._settings = settings
        self._sink = sink
        self._clock = clock
        self._deferred = deferred
        self._entries = entries  # the cache the matchers resolve hits through, if shared
        self.indexes_changed_at = time.time()  # built, or changed in place since

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self._policies

    @property
    def max_file_bytes(self) -> int:
        return self._settings.max_file_bytes

    @property
    def bank_matcher(self) -> BankMatcher:
        return self._banks

    def covering(self, content: Content) -> list[Policy]:
        return [p for p in self._policies if p.scope.covers(content.attributes)]

    def submit(self, content: Content) -> Decision:
        return self.submit_many((content,))[0]

    def submit_many(self, contents: Sequence[Content]) -> list[Decision]:
        """Decide every item, in order, as `submit` would one by one.

        What the items can share is done once: one clock reading, and one scan for all
        their texts. A decision's `elapsed_us` is its share of that shared work plus the
        time spent on it alone.
        """
        started = time.perf_counter()
        covering = [self.covering(content) for content in contents]
        in_scope = sum(1 for policies in covering if policies)
        if not in_scope:
            return [_out_of_scope(content) for content in contents]
        now = self._clock()
        ids = iter(new_ids("dcs", in_scope))
        found = self._match_texts(contents, covering)
        shared = time.perf_counter() - started
        share = shared / in_scope
        decisions = [
            self._submit_one(content, policies, found.get(i), now, share, next(ids))
            if policies
            else _out_of_scope(content)
            for i, (content, policies) in enumerate(zip(contents, covering, strict=True))
        ]
        if self._deferred is not None:
            # The deferred queue's bookkeeping rides on this thread rather than competing
            # with it for the GIL from threads of its own (see ombuds/queue/pool.py).
            self._deferred.pump()
        return decisions

    def _submit_one(
        self,
        content: Content,
        policies: list[Policy],
        text_evidence: list[Evidence] | None,
        now: datetime,
        share: float,
        decision_id: str,
    ) -> Decision:
        started = time.perf_counter() - share
        signals: list[Signal] = []
        unscannable = ""
        if content.kind is ContentKind.TEXT:
            evidence = text_evidence or []
        else:
            unscannable = self._why_unscannable(content)
            evidence = [] if unscannable else self._match_banks(content, policies, signals, now)
        verdict = judge(policies, evidence)
        decision = self._decide(content, verdict, signals, unscannable, now, started, decision_id)
        if self._sink is not None:
            self._sink.accept(decision)
        if self._needs_deferred(content, decision, unscannable):
            assert self._deferred is not None
            self._deferred.schedule(content, decision, policies)
        return decision

    @property
    def deferred(self) -> DeferredTier | None:
        return self._deferred

    def learn(self, entries: Mapping[int, BankEntry]) -> None:
        """Make new bank entries (by store id) visible to the next lookup, without a rebuild."""
        self._live().add(entries)

    def forget(self, entries: Mapping[int, BankEntry]) -> None:
        """Take removed entries (by store id) out of the indexes: no lookup finds them after."""
        self._live().remove(entries)

    def refresh(self, entries: Mapping[int, BankEntry]) -> None:
        """Entries (by store id) whose state changed: out of the indexes, and back in if still
        indexable. One disabled until a time stays in, skipped per hit until the time passes."""
        now = self._clock()
        self.forget(entries)
        self.learn({ref: e for ref, e in entries.items() if indexable(e, now)})

    def set_bank(self, bank: Bank, *, renamed_from: str | None = None) -> None:
        """A bank created or changed while running: the deferred matchers use its threshold,
        and after a rename no cached entry keeps the old name."""
        if renamed_from is not None and self._entries is not None:
            self._entries.invalidate()
        if self._deferred is not None:
            self._deferred.perceptual.set_bank(bank)
            if self._deferred.neartext is not None:
                self._deferred.neartext.set_bank(bank)

    def reconfigure(self, policies: Sequence[Policy], text: TextMatcher) -> None:
        """Swap in new policies and the text matcher compiled for them (call it where no
        submission runs: the two must change together)."""
        self._policies = tuple(p for p in policies if p.enabled)
        self._text = text
        if self._deferred is not None:
            self._deferred.use_text(text)

    def _live(self) -> LiveIndexes:
        self.indexes_changed_at = time.time()
        tier = self._deferred
        neartext = tier.neartext if tier is not None else None
        return LiveIndexes(
            exact=self._banks.index,
            exact_types=self._banks.signal_type_names,
            pdq=tier.perceptual.index if tier is not None else None,
            neartext=neartext.index if neartext is not None else None,
            cache=self._entries,
        )

    def flush(self) -> None:
        if self._sink is not None:
            self._sink.flush()

    def close(self) -> None:
        """Finish deferred work, then write what is pending."""
        if self._deferred is not None:
            self._deferred.close()
        self.flush()

    def _needs_deferred(self, content: Content, decision: Decision, unscannable: str) -> bool:
        # Text is done inline; blocked content could not be made stricter by a closer look.
        return (
            self._deferred is not None
            and content.kind is not ContentKind.TEXT
            and not unscannable
            and decision.action is not Action.BLOCK
        )

    def _match_texts(
        self, contents: Sequence[Content], covering: Sequence[list[Policy]]
    ) -> dict[int, list[Evidence]]:
        """Evidence for each in-scope text item whose policies use lexicons, by position."""
        positions: list[int] = []
        texts: list[str] = []
        lexicons: list[frozenset[str]] = []
        limit = self._settings.max_text_chars
        for i, (content, policies) in enumerate(zip(contents, covering, strict=True)):
            if content.kind is not ContentKind.TEXT or not policies:
                continue
            names = _lexicons_of(policies)
            if names:
                positions.append(i)
                texts.append((content.text or "")[:limit])
                lexicons.append(names)
        if not texts:
            return {}
        return dict(zip(positions, self._text.match_many(texts, lexicons), strict=True))

    def _why_unscannable(self, content: Content) -> str:
        size = len(content.data or b"")
        if size > self._settings.max_file_bytes:
            return f"{size} bytes exceeds the limit of {self._settings.max_file_bytes}"
        return ""

    def _match_banks(
        self, content: Content, policies: list[Policy], signals: list[Signal], now: datetime
    ) -> list[Evidence]:
        banks = {name for p in policies for name in p.banks}
        if not banks:
            return []
        signals.extend(self._banks.signals(content))
        return self._banks.match(signals, banks, now)

    def _decide(
        self,
        content: Content,
        verdict: Verdict,
        signals: list[Signal],
        unscannable: str,
        now: datetime,
        started: float,
        decision_id: str,
    ) -> Decision:
        if unscannable:
            verdict = unscannable_verdict(self.covering(content))
        return decide(
            content,  # no Subject: the content is at hand, and one object fewer per decision
            verdict,
            tier=Tier.INLINE,
            now=now,
            elapsed_us=(time.perf_counter() - started) * 1e6,
            appeal_url=self._settings.appeal_url,
            signals=signals,
            unscannable=unscannable,
            decision_id=decision_id,
        )


def _lexicons_of(policies: list[Policy]) -> frozenset[str]:
    if len(policies) == 1:  # the common case: the policy's own set, built once
        return policies[0].lexicon_names
    return frozenset(name for p in policies for name in p.lexicons)


def _out_of_scope(content: Content) -> Decision:
    # Deliberately bare: no id, no clock, no timing, so nothing about the content is produced.
    return Decision(
        decision_id="",
        content_id=content.content_id,
        author_id="",
        conversation_id="",
        content_kind=content.kind.value,
        action=Action.ALLOW,
        reason=Reason.OUT_OF_SCOPE,
        tier=Tier.INLINE,
        created_at=datetime.min.replace(tzinfo=UTC),
        elapsed_us=0.0,
    )
