"""TextMatcher: lexicons compiled once into one automaton, matched per message."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ombuds.domain import Evidence, Lexicon
from ombuds.errors import LexiconError
from ombuds.matching.text.backends import (
    DEFAULT_BACKEND,
    Automaton,
    BackendPatternError,
    LiteralHits,
    get_backend,
)
from ombuds.matching.text.boundaries import on_boundaries
from ombuds.matching.text.normalize import normalize
from ombuds.matching.text.rules import CompiledRule, Plan, lower
from ombuds.matching.text.separators import Squeezed, squeeze

# rule index -> literal id -> spans (normalized-text offsets) of its valid occurrences
_Found = dict[int, dict[int, list[tuple[int, int]]]]


class TextMatcher:
    """Matches messages against compiled lexicons. Safe to share between threads."""

    def __init__(self, plan: Plan, automaton: Automaton, backend: str) -> None:
        self._rules = plan.rules
        self._literals = plan.literals
        self._uses = plan.uses
        self._pattern_rules = plan.pattern_rules
        self._squeezed_lexicons = frozenset(plan.squeezed_lexicons)
        self._has_patterns = bool(plan.patterns)
        self._lexicon_names = tuple(plan.lexicon_names)
        self._automaton = automaton
        self._backend = backend

    @property
    def rule_count(self) -> int:
        return len(self._rules)

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def automaton(self) -> Automaton:
        """The compiled backend structure (for diagnostics and benchmarks)."""
        return self._automaton

    @property
    def lexicon_names(self) -> tuple[str, ...]:
        """The compiled lexicons, in the order given (names a filter may use)."""
        return self._lexicon_names

    def match(self, text: str, lexicons: Collection[str] | None = None) -> list[Evidence]:
        """One Evidence per matched rule; `lexicons` keeps only those lexicons (None: all).

        Names in `lexicons` that were not compiled match nothing (see `lexicon_names`).
        """
        return self.match_with_text(text, lexicons)[1]

    def match_with_text(
        self, text: str, lexicons: Collection[str] | None = None
    ) -> tuple[str, list[Evidence]]:
        """Like `match`, with the normalized text that the evidence spans point into."""
        norm = normalize(text)
        if not norm:
            return norm, []
        hits, candidates = self._automaton.scan(norm, patterns=self._has_patterns)
        return norm, self._judged(norm, _allowed(lexicons), hits, candidates)

    def match_many(
        self, texts: Sequence[str], lexicons: Sequence[Collection[str] | None]
    ) -> list[list[Evidence]]:
        """`match(texts[i], lexicons[i])` for every i, with one scan shared by all texts."""
        norms = [normalize(text) for text in texts]
        scans = self._automaton.scan_many(norms, patterns=self._has_patterns)
        return [
            self._judged(norm, _allowed(names), hits, candidates) if norm else []
            for norm, names, (hits, candidates) in zip(norms, lexicons, scans, strict=True)
        ]

    def _judged(
        self,
        norm: str,
        allowed: frozenset[str] | None,
        hits: LiteralHits,
        candidates: Sequence[int],
    ) -> list[Evidence]:
        """The evidence in `norm`, given its scan: literal hits and pattern candidates."""
        squeezed: Squeezed | None = None
        if self._squeezed_lexicons and (
            allowed is None or not allowed.isdisjoint(self._squeezed_lexicons)
        ):
            squeezed = squeeze(norm)
        if not hits and not candidates and squeezed is None:
            return []
        found: _Found = {}
        # Rules of separator-insensitive lexicons read the squeezed text when it differs.
        self._collect(found, hits, norm, allowed, want=None if squeezed is None else False)
        if squeezed is not None:
            sq_hits, _ = self._automaton.scan(squeezed.text, patterns=False)
            self._collect(found, sq_hits, squeezed.text, allowed, want=True, sq=squeezed)
        evidence = self._evidence(found)
        evidence.extend(self._confirm_patterns(candidates, norm, allowed))
        evidence.sort(key=lambda pair: pair[0])
        return [e for _, e in evidence]

    def _collect(
        self,
        found: _Found,
        hits: LiteralHits,
        text: str,
        allowed: frozenset[str] | None,
        *,
        want: bool | None,
        sq: Squeezed | None = None,
    ) -> None:
        """Record boundary-valid hits for rules whose `squeezed` flag is `want` (None: all).
        With `sq`, `text` is the squeezed text and spans are mapped back to the normalized one.
        """
        for lit_id, end in hits:
            lit = self._literals[lit_id]
            start = end - lit.length
            if not on_boundaries(text, start, end, lit.left_boundary, lit.right_boundary):
                continue
            span = (start, end) if sq is None else (sq.start(start), sq.end(end))
            for rule_index in self._uses[lit_id]:
                rule = self._rules[rule_index]
                if want is not None and rule.squeezed is not want:
                    continue
                if allowed is not None and rule.lexicon not in allowed:
                    continue
                found.setdefault(rule_index, {}).setdefault(lit_id, []).append(span)

    def _evidence(self, found: _Found) -> list[tuple[int, Evidence]]:
        out: list[tuple[int, Evidence]] = []
        for rule_index, by_literal in found.items():
            rule = self._rules[rule_index]
            if len(by_literal) < len(rule.literal_ids):
                continue  # a combination with a term missing
            spans = sorted({s for spans in by_literal.values() for s in spans})
            out.append((rule_index, _make(rule, rule.terms, spans)))
        return out

    def _confirm_patterns(
        self, candidates: Sequence[int], norm: str, allowed: frozenset[str] | None
    ) -> list[tuple[int, Evidence]]:
        out: list[tuple[int, Evidence]] = []
        for pattern_id in sorted(set(candidates)):
            rule = self._rules[self._pattern_rules[pattern_id]]
            if rule.pattern is None or (allowed is not None and rule.lexicon not in allowed):
                continue
            spans: list[tuple[int, int]] = []
            texts: dict[str, None] = {}
            for m in rule.pattern.finditer(norm):
                if m.end() > m.start():  # an empty match (lookaround only) finds nothing
                    spans.append(m.span())
                    texts[m.group()] = None
            if spans:
                out.append((rule.index, _make(rule, tuple(texts), spans)))
        return out


def _allowed(lexicons: Collection[str] | None) -> frozenset[str] | None:
    if lexicons is None or isinstance(lexicons, frozenset):
        return lexicons
    return frozenset(lexicons)


def _make(rule: CompiledRule, texts: tuple[str, ...], spans: list[tuple[int, int]]) -> Evidence:
    return Evidence(
        source="lexicon",
        name=rule.lexicon,
        rule_id=rule.rule_id,
        category=rule.category,
        matched_text=texts,
        spans=tuple(spans),
    )


def compile_lexicons(lexicons: Sequence[Lexicon], backend: str = DEFAULT_BACKEND) -> TextMatcher:
    """Validate the lexicons and compile them once into one automaton of `backend`.

    Raises LexiconError (its `field` is the rule id) for an invalid rule, ConfigError for an
    unknown backend.
    """
    plan = lower(lexicons)
    factory = get_backend(backend)
    try:
        automaton = factory([lit.text for lit in plan.literals], plan.patterns)
    except BackendPatternError as e:
        if e.index < 0:
            raise LexiconError(f"the {backend} backend rejected the patterns: {e.reason}") from None
        rule = plan.rules[plan.pattern_rules[e.index]]
        raise LexiconError(
            f"lexicon '{rule.lexicon}', rule '{rule.rule_id}': {e.reason}", field=rule.rule_id
        ) from None
    return TextMatcher(plan, automaton, backend)
