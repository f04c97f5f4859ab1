"""Validated reading of JSON import files: every error names file, line and JSON path."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any, NoReturn

from ombuds.errors import ImportFileError
from ombuds.records.files.jsonpos import JsonPath, Positions, locate
from ombuds.records.files.text import text_problem


class _Rejected(Exception):
    """Valid JSON syntax that Ombuds refuses (a repeated key, NaN); located afterwards."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Rejected
    return result


def _no_constant(name: str) -> NoReturn:
    raise _Rejected  # reported with its line by the position pass


def path_name(path: JsonPath) -> str:
    """`rules[3].pattern`; keys that are not identifiers are quoted: `actions["hate speech"]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


class JsonDoc:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self._text = text
        self._positions: Positions | None = None
        if not text.strip():
            raise ImportFileError("the file is empty", file=file, line=1)
        try:
            self.value: Any = json.loads(
                text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant
            )
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno) from exc
        except RecursionError as exc:
            raise ImportFileError("JSON nested too deeply", file=file) from exc
        except _Rejected:
            positions = self.positions()
            if positions.duplicates:
                path, line = positions.duplicates[0]
                raise ImportFileError(
                    "key given twice", file=file, line=line, field=path_name(path)
                ) from None
            raise ImportFileError(
                "NaN and Infinity are not JSON numbers", file=file, line=positions.constants[0]
            ) from None

    def positions(self) -> Positions:
        # Computed only when an error needs a line: valid files pay for one parse.
        if self._positions is None:
            self._positions = locate(self._text)
        return self._positions

    def root(self) -> Node:
        return Node(self, (), self.value)


class Node:
    """A value in a JsonDoc, with its path, and typed accessors that raise located errors."""

    def __init__(self, doc: JsonDoc, path: JsonPath, value: Any) -> None:
        self.doc = doc
        self.path = path
        self.value = value

    @property
    def name(self) -> str:
        return path_name(self.path)

    def error(self, message: str, *, at_key: bool = False) -> ImportFileError:
        positions = self.doc.positions()
        line = (positions.keys if at_key else positions.values).get(self.path)
        return ImportFileError(message, file=self.doc.file, line=line, field=self.name or None)

    def child(self, key: str | int) -> Node:
        return Node(self.doc, (*self.path, key), self.value[key])

    def members(self, *, required: Collection[str], optional: Collection[str]) -> dict[str, Node]:
        """An object's members; unknown and missing keys are errors."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {_kind(self.value)}")
        for key in self.value:
            if key not in required and key not in optional:
                known = ", ".join(sorted({*required, *optional}))
                raise self.child(key).error(f"unknown key (expected one of: {known})", at_key=True)
        for key in required:
            if key not in self.value:
                raise self.error(f"missing required key '{key}'")
        return {key: self.child(key) for key in self.value}

    def items(self) -> list[Node]:
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, got {_kind(self.value)}")
        return [self.child(i) for i in range(len(self.value))]

    def string(self, *, blank: bool = True) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {_kind(self.value)}")
        problem = text_problem(self.value)
        if problem:
            raise self.error(f"the string {problem}")
        if not blank and not self.value.strip():
            raise self.error("must not be empty")
        return self.value

    def name_string(self) -> str:
        """A non-empty name without surrounding whitespace (names are typed on command lines)."""
        value = self.string(blank=False)
        if value != value.strip():
            raise self.error("must not start or end with whitespace")
        return value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, got {_kind(self.value)}")
        return self.value

    def choice(self, options: Collection[str]) -> str:
        value = self.string()
        if value not in options:
            raise self.error(f"{value!r} is not one of: {', '.join(options)}")
        return value

    def unique_names(self) -> list[str]:
        names: list[str] = []
        for item in self.items():
            name = item.name_string()
            if name in names:
                raise item.error(f"'{name}' is listed twice")
            names.append(name)
        return names

    def check_format(self, expected: str) -> None:
        value = self.string()
        if value != expected:
            raise self.error(f"this file is {value!r}; expected {expected!r}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
