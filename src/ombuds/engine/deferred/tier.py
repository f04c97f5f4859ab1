"""Scheduling deferred work and deciding again when it comes back.

`schedule` hands the content's bytes to the queue and keeps only its ids; the bytes leave
memory with the job. When the worker answers, the evidence found inline and the new
evidence are judged together, and the result is a new decision that points at the inline
one (`supersedes`). It is stored and passed to `on_decision`, which is how a platform
hears that "deliver" became "block".

With worker processes (the `process` queue), the PDQ lookups run in the worker too, against
an export of the index (exports.py), and `_done` only reconciles them with the live index:
little work, none of it numpy, on the queue's reporting thread. Near-duplicate document
lookups (MinHash) still run here: documents are rarer than images and the index smaller.
`pump` lets the queue do its bookkeeping on the inline thread between decisions (pool.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ombuds.domain import Content, ContentKind, Decision, Policy, Signal, Tier
from ombuds.engine.decide import Subject, decide, unscannable_verdict
from ombuds.engine.deferred.analysis import DIHEDRAL, DOCUMENT, OCR, PDQ
from ombuds.engine.deferred.exports import IndexExports
from ombuds.engine.deferred.matchers import NearTextMatcher, PerceptualMatcher, text_evidence
from ombuds.engine.sinks import DecisionSink
from ombuds.engine.verdict import judge
from ombuds.matching.text import TextMatcher
from ombuds.queue import Done, Job, JobOutcome, WorkQueue
from ombuds.settings import Settings

HANDLER = "ombuds.engine.deferred.worker_lookup:handle"
Clock = Callable[[], Any]
QueueFactory = Callable[[str, Callable[[Done], None]], WorkQueue]


@dataclass(frozen=True, slots=True)
class _Pending:
    subject: Subject
    inline: Decision
    policies: tuple[Policy, ...]
    started: float


def analyses_for(content: Content, policies: Sequence[Policy], ocr: bool) -> frozenset[str]:
    """What is worth computing for this content under these policies."""
    banks = any(p.banks for p in policies)
    lexicons = any(p.lexicons for p in policies)
    wanted: set[str] = set()
    if content.kind is ContentKind.IMAGE:
        if banks:
            wanted.add(DIHEDRAL if any(p.dihedral and p.banks for p in policies) else PDQ)
        if lexicons and ocr:
            wanted.add(OCR)
    elif content.kind is ContentKind.FILE and (banks or lexicons):
        wanted.add(DOCUMENT)
    return frozenset(wanted)


class DeferredTier:
    def __init__(
        self,
        *,
        queue_factory: QueueFactory,
        perceptual: PerceptualMatcher,
        text: TextMatcher,
        neartext: NearTextMatcher | None = None,
        settings: Settings,
        clock: Clock,
        sink: DecisionSink | None = None,
        on_decision: Callable[[Decision], None] | None = None,
    ) -> None:
        self._perceptual = perceptual
        self._neartext = neartext
        self._text = text
        self._settings = settings
        self._clock = clock
        self._sink = sink
        self._on_decision = on_decision
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._queue = queue_factory(HANDLER, self._done)
        # Lookups in the worker pay off only when the worker is another process.
        self._exports = IndexExports(perceptual.index) if self._queue.out_of_process else None

    @property
    def perceptual(self) -> PerceptualMatcher:
        return self._perceptual

    @property
    def neartext(self) -> NearTextMatcher | None:
        return self._neartext

    @property
    def queue(self) -> WorkQueue:
        return self._queue

    def use_text(self, text: TextMatcher) -> None:
        """Lexicons changed: results arriving from now on are matched with `text`."""
        self._text = text

    def schedule(self, content: Content, inline: Decision, policies: Sequence[Policy]) -> bool:
        analyses = analyses_for(content, policies, self._settings.ocr)
        if not analyses or content.data is None:
            return False
        job_id = inline.decision_id
        pending = _Pending(Subject.of(content), inline, tuple(policies), time.perf_counter())
        with self._lock:
            self._pending[job_id] = pending
        header: dict[str, Any] = {
            "job_id": job_id,
            "kind": content.kind.value,
            "analyses": sorted(analyses),
            "timeout_s": self._settings.deferred_timeout_s,
        }
        export = self._exports.current() if self._exports and analyses & {PDQ, DIHEDRAL} else None
        if export is not None:
            banks = {b for p in policies for b in p.banks}
            header["pdq_lookup"] = {**export, "threshold": self._perceptual.widest(banks)}
        self._queue.submit(Job(job_id, header, content.data))
        return True

    def pump(self) -> None:
        """Called between inline decisions: the queue may collect and hand out work here."""
        self._queue.maybe_pump()

    def _done(self, done: Done) -> None:
        with self._lock:
            pending = self._pending.pop(done.job_id, None)
        if pending is None:
            return
        decision = self._decide(pending, done)
        if self._sink is not None:
            with self._lock:  # sinks are not thread-safe; deferred results arrive on many
                self._sink.accept(decision)
                self._sink.flush()
        if self._on_decision is not None:
            self._on_decision(decision)

    def _decide(self, pending: _Pending, done: Done) -> Decision:
        result = done.result
        problem = _problem(done)
        signals = [*pending.inline.signals, *_signals(result.get("signals", ()))]
        if problem:
            verdict = unscannable_verdict(pending.policies)
        else:
            verdict = judge(pending.policies, self._evidence(pending, result))
            if not verdict.evidence and _partial(result):
                # What was read is clean, but not all of it was read: say so.
                problem = _partial(result)
                verdict = unscannable_verdict(pending.policies)
        return decide(
            pending.subject,
            verdict,
            tier=Tier.DEFERRED,
            now=self._clock(),
            elapsed_us=(time.perf_counter() - pending.started) * 1e6,
            appeal_url=self._settings.appeal_url,
            signals=signals,
            unscannable=problem,
            supersedes=pending.inline.decision_id,
        )

    def _evidence(self, pending: _Pending, result: dict[str, Any]) -> list[Any]:
        policies = pending.policies
        banks: Collection[str] = {b for p in policies for b in p.banks}
        lexicons: Collection[str] = {name for p in policies for name in p.lexicons}
        evidence = list(pending.inline.evidence)
        signals = result.get("signals", ())
        evidence += self._perceptual.match(signals, banks, self._clock())
        if self._neartext is not None:
            evidence += self._neartext.match(signals, banks, self._clock())
        source = str(result.get("text_source", ""))
        evidence += text_evidence(
            self._text,
            str(result.get("text", "")),
            source,
            lexicons,
            result.get("words", ()),
            self._settings.max_text_chars,
        )
        return evidence

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for every scheduled item to be decided (for scripts, tests and shutdown)."""
        join = getattr(self._queue, "join", None)
        return True if join is None else bool(join(timeout))

    def close(self) -> None:
        self._queue.close(wait=True)
        if self._exports is not None:
            self._exports.close()


def _problem(done: Done) -> str:
    if done.outcome is JobOutcome.TIMED_OUT:
        return f"analysis took too long ({done.error})"
    if done.outcome is not JobOutcome.DONE:
        return f"analysis failed: {done.error}"
    return str(done.result.get("unscannable", ""))


def _partial(result: dict[str, Any]) -> str:
    document = result.get("document") or {}
    if not document.get("truncated"):
        return ""
    return f"only part of the document was read (limit reached at {document['pages']} pages)"


def _signals(raw: Sequence[dict[str, Any]]) -> list[Signal]:
    # Only the upright hash is kept as the content's signal; rotations are for matching.
    return [
        Signal(s["type"], s["value"], s.get("quality"))
        for s in raw
        if s.get("transform") in (None, "", "original")
    ]
