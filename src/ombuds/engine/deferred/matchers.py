"""Evidence from what a deferred worker extracted: perceptual and near-duplicate bank hits,
and lexicon hits in OCR or document text."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ombuds.domain import Bank, Evidence
from ombuds.engine.banks import EntryResolver
from ombuds.matching.neartext import NearTextIndex
from ombuds.matching.perceptual import ExportMark, PDQIndex, PerceptualMatch
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD
from ombuds.matching.text import TextMatcher, normalize

DEFAULT_SIMILARITY = 0.8


class PerceptualMatcher:
    """PDQ hashes (one per orientation) against the perceptual index, per-bank thresholds.

    A hash the worker already looked up against an index export carries its hits; they are
    reconciled with the live index instead of querying it (see exports.py for why).
    """

    def __init__(self, index: PDQIndex, resolve: EntryResolver, banks: Mapping[str, Bank]):
        self.index = index
        self._resolve = resolve
        self._thresholds = {
            name: DEFAULT_THRESHOLD if bank.threshold is None else bank.threshold
            for name, bank in banks.items()
        }

    def _threshold(self, bank: str) -> int:
        return self._thresholds.get(bank, DEFAULT_THRESHOLD)

    def set_bank(self, bank: Bank) -> None:
        """A bank created or changed while running (one dict store: safe beside lookups)."""
        self._thresholds[bank.name] = (
            DEFAULT_THRESHOLD if bank.threshold is None else bank.threshold
        )

    def widest(self, banks: Collection[str]) -> int:
        """The threshold a lookup for these banks needs: the widest of theirs."""
        wanted = [b for b in banks if b in self._thresholds] or list(banks)
        return max((self._threshold(b) for b in wanted), default=DEFAULT_THRESHOLD)

    def match(
        self, signals: Sequence[Mapping[str, Any]], banks: Collection[str], now: datetime
    ) -> list[Evidence]:
        widest = self.widest(banks)
        best: dict[int, tuple[int, str]] = {}  # ref -> (distance, transform)
        for signal in signals:
            if signal["type"] != "pdq":
                continue
            hits = self._looked_up(signal, widest)
            if hits is None:
                hits = self.index.query(signal["value"], threshold=widest)
            for hit in hits:
                known = best.get(hit.ref)
                if known is None or hit.distance < known[0]:
                    best[hit.ref] = (hit.distance, str(signal.get("transform", "")))
        if not best:
            return []
        evidence = []
        for ref, entry in self._resolve(best).items():
            distance, transform = best[ref]
            bank = entry.bank
            if bank in banks and entry.active(now) and distance <= self._threshold(bank):
                evidence.append(
                    Evidence(
                        "bank",
                        bank,
                        entry.public_id,
                        entry.category,
                        "pdq",
                        distance=distance,
                        transform=transform,
                    )
                )
        return sorted(evidence, key=lambda e: (e.distance or 0, e.rule_id))

    def _looked_up(self, signal: Mapping[str, Any], threshold: int) -> list[PerceptualMatch] | None:
        """What the worker found against an index export (worker_lookup.py), as the index
        stands now; None if it looked nothing up, or too narrowly since a bank was widened."""
        lookup = signal.get("lookup")
        if not isinstance(lookup, Mapping) or int(lookup.get("threshold", -1)) < threshold:
            return None
        mark = ExportMark.from_json(dict(lookup))
        return self.index.reconcile(mark, lookup["hits"], str(signal["value"]), threshold)


class NearTextMatcher:
    """Document fingerprints (MinHash) against the near-duplicate index.

    A bank's `threshold` is read as a percentage of estimated Jaccard similarity here
    (default 80), as PDQ banks read it as bits.
    """

    def __init__(self, index: NearTextIndex, resolve: EntryResolver, banks: Mapping[str, Bank]):
        self.index = index
        self._resolve = resolve
        self._thresholds = {
            name: DEFAULT_SIMILARITY if bank.threshold is None else bank.threshold / 100
            for name, bank in banks.items()
        }

    def set_bank(self, bank: Bank) -> None:
        """A bank created or changed while running (one dict store: safe beside lookups)."""
        similarity = DEFAULT_SIMILARITY if bank.threshold is None else bank.threshold / 100
        self._thresholds[bank.name] = similarity

    def match(
        self, signals: Sequence[Mapping[str, Any]], banks: Collection[str], now: datetime
    ) -> list[Evidence]:
        lowest = min(
            (self._thresholds.get(b, DEFAULT_SIMILARITY) for b in banks),
            default=DEFAULT_SIMILARITY,
        )
        best: dict[int, float] = {}
        for signal in signals:
            if signal["type"] == "minhash" and len(self.index):
                for hit in self.index.query(signal["value"], threshold=lowest):
                    best[hit.ref] = max(best.get(hit.ref, 0.0), hit.similarity)
        evidence = []
        for ref, entry in self._resolve(best).items() if best else ():
            similarity = best[ref]
            wanted = self._thresholds.get(entry.bank, DEFAULT_SIMILARITY)
            if entry.bank in banks and entry.active(now) and similarity >= wanted:
                # Distance in percent points of dissimilarity keeps one scale for sorting.
                distance = round((1 - similarity) * 100)
                found = Evidence("bank", entry.bank, entry.public_id, entry.category, "minhash")
                evidence.append(replace(found, distance=distance))
        return sorted(evidence, key=lambda e: (e.distance or 0, e.rule_id))


def _box(points: Sequence[Sequence[int]]) -> tuple[int, int, int, int]:
    xs = [int(p[0]) for p in points]
    ys = [int(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _line_ranges(words: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, str]]:
    """Where each OCR line sits in the normalized text of all lines (joined by whitespace)."""
    ranges, offset = [], 0
    for word in words:
        line = normalize(str(word["text"]))
        ranges.append((offset, offset + len(line), line))
        offset += len(line) + 1
    return ranges


def _boxes(evidence: Evidence, words: Sequence[Mapping[str, Any]], text: str) -> tuple[Any, ...]:
    ranges = _line_ranges(words)
    if " ".join(line for _, _, line in ranges) == normalize(text):
        # Offsets agree: a term split over two lines gets both lines' boxes.
        hits = [
            i
            for i, (start, end, _) in enumerate(ranges)
            if any(a < end and b > start for a, b in evidence.spans)
        ]
    else:
        hits = [
            i
            for i, (_, _, line) in enumerate(ranges)
            if any(term and term in line for term in evidence.matched_text)
        ]
    return tuple(_box(words[i]["box"]) for i in hits)


def text_evidence(
    matcher: TextMatcher,
    text: str,
    via: str,
    lexicons: Collection[str],
    words: Sequence[Mapping[str, Any]] = (),
    max_chars: int = 100_000,
) -> list[Evidence]:
    """Lexicon hits in extracted text; for OCR, the boxes of the lines that hold the terms."""
    if not text or not lexicons:
        return []
    text = text[:max_chars]
    found = matcher.match(text, lexicons)
    return [replace(e, via=via, boxes=_boxes(e, words, text) if words else ()) for e in found]
