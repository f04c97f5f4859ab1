"""Recursive-descent parser: tokens to a syntax tree, with length and depth limits."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from ombuds.domain.scope._lexer import KEYWORDS, Fail, Token, describe, tokenize
from ombuds.domain.scope._tree import (
    And,
    Const,
    Has,
    Member,
    Node,
    Not,
    Or,
    Order,
    Value,
    collect_names,
)

MAX_LENGTH: Final = 4096
MAX_DEPTH: Final = 64
_COMPARISON_OPS: Final = "==, !=, <, <=, >, >=, in or not in"


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._pos = 0
        self._depth = 0

    def parse(self) -> Node:
        if self._peek().kind == "eof":
            raise Fail("empty scope expression: expected a condition, true or false", 0)
        node = self._or()
        token = self._peek()
        if token.kind != "eof":
            expected = "'and', 'or' or end of expression"
            if token.text == ")":
                raise Fail(f"unbalanced ')': expected {expected}", token.offset)
            raise Fail(f"expected {expected}, found {describe(token)}", token.offset)
        return node

    def _peek(self) -> Token:
        return self._tokens[self._pos]

    def _next(self) -> Token:
        token = self._tokens[self._pos]
        # The eof token is never consumed, so the position can never run past the end.
        if token.kind != "eof":
            self._pos += 1
        return token

    def _accept(self, text: str) -> bool:
        token = self._peek()
        if token.kind in ("keyword", "op") and token.text == text:
            self._pos += 1
            return True
        return False

    def _expect(self, text: str, what: str) -> Token:
        token = self._peek()
        if token.kind in ("keyword", "op") and token.text == text:
            return self._next()
        raise Fail(f"expected {what}, found {describe(token)}", token.offset)

    def _enter(self, token: Token) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise Fail(f"expression nests deeper than {MAX_DEPTH} levels", token.offset)

    def _or(self) -> Node:
        operands = [self._and()]
        while self._accept("or"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._accept("and"):
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        token = self._peek()
        if not self._accept("not"):
            return self._primary()
        self._enter(token)
        operand = self._not()
        self._depth -= 1
        return Not(operand)

    def _primary(self) -> Node:
        token = self._next()
        if token.kind == "op" and token.text == "(":
            self._enter(token)
            node = self._or()
            closing = self._peek()
            if not self._accept(")"):
                raise Fail(
                    f"unbalanced '(' at column {token.offset + 1}: expected ')', "
                    f"found {describe(closing)}",
                    closing.offset,
                )
            self._depth -= 1
            return node
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Const(token.text == "true")
        if token.kind == "keyword" and token.text == "has":
            self._expect("(", "'(' after has")
            name = self._next()
            if name.kind != "name":
                raise Fail(f"expected an attribute name, found {describe(name)}", name.offset)
            self._expect(")", "')' after the attribute name")
            return Has(name.text)
        if token.kind == "name":
            return self._comparison(token.text)
        raise Fail(
            f"expected a condition (attribute comparison, has(...), true, false, 'not' or "
            f"'('), found {describe(token)}",
            token.offset,
        )

    def _comparison(self, name: str) -> Node:
        token = self._next()
        text = token.text if token.kind in ("op", "keyword") else ""
        if text in ("==", "!="):
            return Member(name, (self._literal(),), negated=text == "!=")
        if text in ("<", "<=", ">", ">="):
            bound = self._next()
            if bound.kind != "number":
                raise Fail(
                    f"'{text}' compares numbers only: expected a number, found {describe(bound)}",
                    bound.offset,
                )
            assert isinstance(bound.value, int | float)
            return Order(name, text, bound.value)
        if text == "in":
            return Member(name, self._list(), negated=False)
        if text == "not":
            self._expect("in", "'in' after 'not' in a comparison")
            return Member(name, self._list(), negated=True)
        hint = " (keywords are lowercase)" if name.lower() in KEYWORDS else ""
        raise Fail(
            f"expected a comparison operator ({_COMPARISON_OPS}) after attribute {name!r}"
            f"{hint}, found {describe(token)}",
            token.offset,
        )

    def _literal(self) -> Value:
        token = self._next()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text]
        hint = " (lists go with 'in')" if token.text == "[" else ""
        raise Fail(
            f"expected a value (string, number, true, false or null), found "
            f"{describe(token)}{hint}",
            token.offset,
        )

    def _list(self) -> tuple[Value, ...]:
        self._expect("[", "'[' to start a list")
        values: list[Value] = []
        if self._accept("]"):
            return ()
        while True:
            values.append(self._literal())
            if self._accept("]"):
                return tuple(values)
            self._expect(",", "',' or ']' in list")


@lru_cache(maxsize=256)
def compile_source(source: str) -> tuple[Node, frozenset[str]]:
    # Cached so that Scope.parse followed by Scope.__post_init__ parses once, and so that
    # many policies sharing a scope text share one tree (nodes are immutable).
    if len(source) > MAX_LENGTH:
        raise Fail(f"scope expression is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    node = Parser(tokenize(source)).parse()
    return node, collect_names(node)
