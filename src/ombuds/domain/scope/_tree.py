"""The syntax tree of a scope expression; each node evaluates itself over attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from ombuds.domain.content import AttributeValue

Value = str | int | float | bool | None
Kind = Literal["string", "number", "bool", "null", "other"]
Attributes = Mapping[str, AttributeValue]
_MISSING: Final = object()


# Exact types first: scopes run on every submitted item, and a dict lookup beats isinstance.
_EXACT_KINDS: Final[dict[type, Kind]] = {
    str: "string",
    bool: "bool",
    int: "number",
    float: "number",
    type(None): "null",
}


def kind_of(value: object) -> Kind:
    exact = _EXACT_KINDS.get(type(value))
    if exact is not None:
        return exact
    # bool before int: bool is a subclass of int, but `true` must never equal `1`.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else "other"


@dataclass(frozen=True, slots=True)
class Const:
    value: bool

    def evaluate(self, attributes: Attributes) -> bool:
        return self.value


@dataclass(frozen=True, slots=True)
class Has:
    name: str

    def evaluate(self, attributes: Attributes) -> bool:
        return self.name in attributes


@dataclass(frozen=True, slots=True)
class Member:
    """`name in values` / `name not in values`; also `==` and `!=` as one-element lists."""

    name: str
    values: tuple[Value, ...]
    negated: bool
    # Keyed by kind so that True and 1 (equal and same-hashed in Python) stay distinct.
    _keys: frozenset[tuple[Kind, Value]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = frozenset((kind_of(v), v) for v in self.values)
        object.__setattr__(self, "_keys", keys)

    def evaluate(self, attributes: Attributes) -> bool:
        value = attributes.get(self.name, _MISSING)
        if value is _MISSING:
            return False
        kind = kind_of(value)
        if kind == "other":
            return False
        found = (kind, value) in self._keys
        if not self.negated:
            return found
        comparable = not self.values or any(v is None or kind_of(v) == kind for v in self.values)
        return comparable and not found


@dataclass(frozen=True, slots=True)
class Order:
    name: str
    op: str
    bound: int | float

    def evaluate(self, attributes: Attributes) -> bool:
        value = attributes.get(self.name, _MISSING)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.op == "<":
            return value < self.bound
        if self.op == "<=":
            return value <= self.bound
        if self.op == ">":
            return value > self.bound
        return value >= self.bound


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node

    def evaluate(self, attributes: Attributes) -> bool:
        return not self.operand.evaluate(attributes)


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]

    def evaluate(self, attributes: Attributes) -> bool:
        # A loop, not all(genexpr): scopes run on every item and the generator costs more.
        for operand in self.operands:  # noqa: SIM110
            if not operand.evaluate(attributes):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]

    def evaluate(self, attributes: Attributes) -> bool:
        for operand in self.operands:  # noqa: SIM110 - see And.evaluate
            if operand.evaluate(attributes):
                return True
        return False


Node = Const | Has | Member | Order | Not | And | Or


def collect_names(node: Node) -> frozenset[str]:
    if isinstance(node, Has | Member | Order):
        return frozenset({node.name})
    if isinstance(node, Not):
        return collect_names(node.operand)
    if isinstance(node, And | Or):
        return frozenset().union(*(collect_names(o) for o in node.operands))
    return frozenset()
