r"""Scope: the predicate over content attributes that says whom a policy covers.

"Scope first" is Ombuds' core promise: content outside every policy's scope is never
fingerprinted, stored or banked. So the language is small, parsed by hand (no `eval`), and
its semantics lean towards *not* covering: content enters scope only on positive evidence.

Examples::

    true                                        everyone
    region in ["EU", "UK"] and community == "x"
    (region == "EU" or region == "UK") and age_band != "minor"
    has(consent.scanning) and consent.scanning == true
    not consent.scanning == false               plain negation: also covers a missing flag

Grammar (keywords are lowercase and case-sensitive; `not` binds tighter than `and`, which
binds tighter than `or`)::

    scope      = or_expr EOF ;
    or_expr    = and_expr { "or" and_expr } ;
    and_expr   = not_expr { "and" not_expr } ;
    not_expr   = "not" not_expr | primary ;
    primary    = "(" or_expr ")" | "true" | "false" | "has" "(" NAME ")" | comparison ;
    comparison = NAME ( ( "==" | "!=" ) literal
                      | ( "<" | "<=" | ">" | ">=" ) NUMBER
                      | [ "not" ] "in" list ) ;
    list       = "[" [ literal { "," literal } ] "]" ;
    literal    = STRING | NUMBER | "true" | "false" | "null" ;
    NAME       = part { "." part } ;  part = [A-Za-z_][A-Za-z0-9_]* (not a keyword) ;
    NUMBER     = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ] ;
    STRING     = '"' ... '"' | "'" ... "'"  with escapes \\ \" \' \n \r \t \uXXXX ;

Keywords: and, or, not, in, has, true, false, null. A dotted name such as
`consent.scanning` is simply the key "consent.scanning" of the flat attributes mapping.

Semantics:

- A comparison on a MISSING attribute is false -- including `!=` and `not in`. Absence is
  not evidence, so `region != "EU"` does not cover content that has no region at all. Use
  `has(attr)` to test presence (true when the key exists, even with a null value).
- `not` is plain boolean negation of what follows, so `not region == "EU"` DOES cover
  content without a region. Prefer `!=` / `not in` when absence should stay out of scope.
- Values compare only with values of the same kind: string, number (int or float; bool is
  not a number, so `true` never equals `1`), bool, null. A kind mismatch makes the
  comparison false, for `!=` and `not in` too; it never raises. The exception is the null
  literal: `x == null` / `x != null` test any present value for nullness.
- `a != v` means `a not in [v]`, and `a == v` means `a in [v]`. `a not in L` is true when
  `a` is present, comparable with some element of `L` (or `L` is empty) and equal to none.
- `<`, `<=`, `>`, `>=` take a number literal (anything else is a syntax error) and are true
  only for a numeric attribute value. Strings compare exactly: no case folding, no Unicode
  normalization.
- `covers` never raises. If evaluation meets something it cannot handle (an attributes
  mapping or value that misbehaves), the whole scope evaluates to false: out of scope.

Hostile input is bounded: at most `MAX_LENGTH` characters and `MAX_DEPTH` levels of nesting
(parentheses plus `not`), so parsing and evaluation cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ombuds.domain.content import AttributeValue
from ombuds.domain.scope._lexer import Fail
from ombuds.domain.scope._parser import MAX_DEPTH, MAX_LENGTH, compile_source
from ombuds.domain.scope._tree import Node
from ombuds.errors import ScopeSyntaxError

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Scope"]


@dataclass(frozen=True, slots=True)
class Scope:
    """A parsed scope expression; equal and hashed by its source text.

    Constructing `Scope(source)` directly validates too, so every Scope holds a valid
    expression; prefer `Scope.parse(source, field=...)` to get the field into errors.
    """

    source: str
    _tree: Node = field(init=False, repr=False, compare=False, hash=False)
    _names: frozenset[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        tree, names = _compile_or_raise(self.source, None)
        object.__setattr__(self, "_tree", tree)
        object.__setattr__(self, "_names", names)

    @classmethod
    def parse(cls, source: str, *, field: str | None = None) -> Scope:
        _compile_or_raise(source, field)
        return cls(source)

    def covers(self, attributes: Mapping[str, AttributeValue]) -> bool:
        """True only when the attributes positively satisfy the expression."""
        try:
            return self._tree.evaluate(attributes)
        except Exception:
            # Fail closed for the WHOLE expression rather than per comparison: a failure
            # caught inside `not` would otherwise turn into coverage.
            return False

    def attribute_names(self) -> frozenset[str]:
        """The attribute keys the expression reads (for docs, linting and indexing)."""
        return self._names


def _compile_or_raise(source: str, field_name: str | None) -> tuple[Node, frozenset[str]]:
    if not isinstance(source, str):
        raise TypeError(f"scope source must be a str, not {type(source).__name__}")
    try:
        return compile_source(source)
    except Fail as fail:
        raise ScopeSyntaxError(
            fail.message, source=source, column=fail.column, field=field_name
        ) from None
