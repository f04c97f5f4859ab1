"""Tokenizer for scope expressions: source text to a list of tokens ending with `eof`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal

from ombuds.domain.scope._tree import Value

KEYWORDS: Final = frozenset({"and", "or", "not", "in", "has", "true", "false", "null"})
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", re.ASCII)
_NUMBER_RE: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", re.ASCII)
# Characters that may not directly follow a number or name: `3abc`, `1.2.3`, `a.` are typos.
_WORD_CHAR_RE: Final = re.compile(r"[A-Za-z0-9_.]", re.ASCII)
_HEX4_RE: Final = re.compile(r"[0-9A-Fa-f]{4}", re.ASCII)
_SIMPLE_ESCAPES: Final = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}
_PUNCTUATION: Final = ("==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ",")
_WHITESPACE: Final = frozenset(" \t\r\n")


class Fail(Exception):
    """A parse failure at a 0-based offset; the package turns it into ScopeSyntaxError."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = offset + 1


TokenKind = Literal["name", "keyword", "string", "number", "op", "eof"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # the source text, used in messages
    offset: int
    value: Value = None  # decoded value of string and number tokens


def describe(token: Token) -> str:
    """How an error message names the token it found: `name 'AND' (keywords are lowercase)`."""
    if token.kind == "eof":
        return "end of expression"
    text = token.text if len(token.text) <= 20 else token.text[:17] + "..."
    if token.kind not in ("name", "number", "string"):
        return repr(text)
    # `AND`, `True`, `NULL` are the likeliest slips from SQL or Python habits.
    hint = " (keywords are lowercase)" if token.text.lower() in KEYWORDS else ""
    return f"{token.kind} {text!r}{hint}"


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _WHITESPACE:
            i += 1
            continue
        if ch in "\"'":
            i = _read_string(source, i, tokens)
            continue
        match = _NUMBER_RE.match(source, i)
        if match:
            i = _read_number(source, match, tokens)
            continue
        match = _NAME_RE.match(source, i)
        if match:
            end = match.end()
            if end < n and _WORD_CHAR_RE.match(source, end):
                raise Fail(f"malformed name {source[i : end + 1]!r}", end)
            text = match.group()
            tokens.append(Token("keyword" if text in KEYWORDS else "name", text, i))
            i = end
            continue
        op = next((p for p in _PUNCTUATION if source.startswith(p, i)), None)
        if op is None:
            hint = " (did you mean '=='?)" if ch == "=" else ""
            hint = " (did you mean '!=' or 'not'?)" if ch == "!" else hint
            raise Fail(f"unexpected character {ch!r}{hint}", i)
        tokens.append(Token("op", op, i))
        i += len(op)
    tokens.append(Token("eof", "", n))
    return tokens


def _read_string(source: str, start: int, tokens: list[Token]) -> int:
    quote = source[start]
    chars: list[str] = []
    i, n = start + 1, len(source)
    while i < n:
        ch = source[i]
        if ch == quote:
            tokens.append(Token("string", source[start : i + 1], start, "".join(chars)))
            return i + 1
        if ch != "\\":
            chars.append(ch)
            i += 1
            continue
        escape = source[i + 1 : i + 2]
        if escape in _SIMPLE_ESCAPES:
            chars.append(_SIMPLE_ESCAPES[escape])
            i += 2
        elif escape == "u" and _HEX4_RE.fullmatch(source, i + 2, i + 6):
            code = int(source[i + 2 : i + 6], 16)
            # A lone surrogate cannot be encoded as UTF-8, so no real attribute holds one.
            if 0xD800 <= code <= 0xDFFF:
                raise Fail("surrogate code point in \\u escape", i)
            chars.append(chr(code))
            i += 6
        elif escape == "u":
            raise Fail("\\u escape needs exactly 4 hex digits", i)
        elif escape == "":
            break  # a backslash at the very end: the string is unterminated
        else:
            raise Fail(f"unknown escape '\\{escape}' in string", i)
    raise Fail(f"unterminated string: expected closing {quote} before end of expression", start)


def _read_number(source: str, match: re.Match[str], tokens: list[Token]) -> int:
    start, end = match.span()
    if end < len(source) and _WORD_CHAR_RE.match(source, end):
        raise Fail(f"malformed number {source[start : end + 1]!r}", end)
    text = match.group()
    value: int | float
    if match.group(1) or match.group(2):
        value = float(text)
        if not math.isfinite(value):
            raise Fail(f"number {text} is out of range", start)
    else:
        value = int(text)
    tokens.append(Token("number", text, start, value))
    return end
