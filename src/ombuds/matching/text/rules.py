"""Validate lexicons and lower them to what a backend compiles: unique literals and patterns."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.errors import LexiconError
from ombuds.matching.text.backends import PatternSpec
from ombuds.matching.text.boundaries import needs_boundaries
from ombuds.matching.text.normalize import normalize
from ombuds.matching.text.separators import squeeze_term

# A pattern that starts with global inline flags, e.g. "(?i)foo" or "(?x) a b".
_GLOBAL_FLAGS = r"\A\(\?([aiLmsux]+)\)"
# Numbered back-references and conditionals change meaning inside a larger alternation
# (group numbers shift). Over-matching "\\1" is harmless: it only costs a shared gate.
_GROUP_NUMBER_REFERENCE = r"\\[1-9]|\(\?\("


@dataclass(frozen=True, slots=True)
class CompiledRule:
    index: int  # position over all lexicons, which orders the evidence
    lexicon: str
    rule_id: str
    category: str
    kind: RuleKind
    terms: tuple[str, ...]  # normalized, as reported in evidence
    literal_ids: tuple[int, ...]  # distinct literal ids the rule needs (TERM, COMBINATION)
    squeezed: bool  # matched against the separator-squeezed text
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Literal:
    text: str
    length: int
    left_boundary: bool
    right_boundary: bool


@dataclass(slots=True)
class Plan:
    rules: list[CompiledRule] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    uses: list[list[int]] = field(default_factory=list)  # literal id -> rule indexes
    patterns: list[PatternSpec] = field(default_factory=list)
    pattern_rules: list[int] = field(default_factory=list)  # pattern id -> rule index
    squeezed_lexicons: set[str] = field(default_factory=set)
    lexicon_names: list[str] = field(default_factory=list)
    _literal_index: dict[str, int] = field(default_factory=dict)

    def literal_id(self, text: str) -> int:
        found = self._literal_index.get(text)
        if found is not None:
            return found
        lit_id = len(self.literals)
        left, right = needs_boundaries(text)
        self.literals.append(Literal(text, len(text), left, right))
        self.uses.append([])
        self._literal_index[text] = lit_id
        return lit_id


def _error(lexicon: str, rule_id: str, message: str) -> LexiconError:
    return LexiconError(f"lexicon '{lexicon}', rule '{rule_id}': {message}", field=rule_id)


def lower(lexicons: Sequence[Lexicon]) -> Plan:
    """Check every rule and collect the literals and patterns to compile; raise LexiconError."""
    plan = Plan()
    for lexicon in lexicons:
        if not lexicon.name:
            raise LexiconError("a lexicon needs a name", field="name")
        if lexicon.name in plan.lexicon_names:
            raise LexiconError(f"lexicon '{lexicon.name}' is given twice", field="name")
        plan.lexicon_names.append(lexicon.name)
        if lexicon.separator_insensitive:
            plan.squeezed_lexicons.add(lexicon.name)
        seen: set[str] = set()
        for rule in lexicon.rules:
            if not rule.rule_id:
                raise LexiconError(f"lexicon '{lexicon.name}': a rule has no id", field="rule_id")
            if rule.rule_id in seen:
                raise _error(lexicon.name, rule.rule_id, "duplicate rule id")
            seen.add(rule.rule_id)
            _lower_rule(plan, lexicon, rule)
    return plan


def _lower_rule(plan: Plan, lexicon: Lexicon, rule: LexiconRule) -> None:
    name, rid = lexicon.name, rule.rule_id
    index = len(plan.rules)
    if rule.kind is RuleKind.PATTERN:
        if rule.terms:
            raise _error(name, rid, "a pattern rule takes `pattern`, not `terms`")
        spec = pattern_spec(name, rid, rule.pattern)
        plan.pattern_rules.append(index)
        plan.patterns.append(spec)
        plan.rules.append(
            CompiledRule(index, name, rid, rule.category, rule.kind, (), (), False, spec.compiled)
        )
        return
    if rule.pattern is not None:
        raise _error(name, rid, f"a {rule.kind} rule takes `terms`, not `pattern`")
    if rule.kind is RuleKind.TERM and len(rule.terms) != 1:
        raise _error(name, rid, f"a term rule has exactly one term, not {len(rule.terms)}")
    if rule.kind is RuleKind.COMBINATION and len(rule.terms) < 2:
        raise _error(name, rid, "a combination needs at least two terms")
    terms: list[str] = []
    keys: list[str] = []
    for raw in rule.terms:
        term = normalize(raw)
        key = squeeze_term(term) if lexicon.separator_insensitive else term
        if not key:
            raise _error(name, rid, f"term {raw!r} is empty once normalized")
        if key not in keys:
            terms.append(term)
            keys.append(key)
    if rule.kind is RuleKind.COMBINATION and len(keys) < 2:
        raise _error(name, rid, "a combination needs at least two different terms")
    literal_ids = tuple(plan.literal_id(k) for k in keys)
    for lit_id in literal_ids:
        plan.uses[lit_id].append(index)
    plan.rules.append(
        CompiledRule(
            index,
            name,
            rid,
            rule.category,
            rule.kind,
            tuple(terms),
            literal_ids,
            lexicon.separator_insensitive,
        )
    )


def pattern_spec(lexicon: str, rule_id: str, source: str | None) -> PatternSpec:
    """Validate a regular expression with Python `re` (the backend validates it again)."""
    if not source:
        raise _error(lexicon, rule_id, "a pattern rule needs a non-empty `pattern`")
    try:
        with warnings.catch_warnings():
            # A FutureWarning ("possible nested set") flags syntax whose meaning differs
            # between Python and PCRE, or will change: refuse it rather than guess.
            warnings.simplefilter("error")
            # Text is case-folded, so patterns ignore case: authors may write "Bad" or "BAD".
            compiled = re.compile(source, re.IGNORECASE)
    except (re.error, Warning, OverflowError, RecursionError, ValueError) as e:
        raise _error(lexicon, rule_id, f"invalid regular expression: {e}") from None
    if compiled.search("") is not None:
        raise _error(lexicon, rule_id, "the pattern matches the empty string")
    gate_source = source
    flags = re.match(_GLOBAL_FLAGS, source)
    if flags is not None:
        # Global flags are only allowed at the very start of a regex; inside an alternation
        # they must become a scoped group. A newline ends a trailing verbose-mode comment.
        rest = source[flags.end() :]
        tail = "\n" if "x" in flags.group(1) else ""
        gate_source = f"(?{flags.group(1)}:{rest}{tail})"
    shareable = re.search(_GROUP_NUMBER_REFERENCE, source) is None
    return PatternSpec(source, compiled, gate_source, shareable)
