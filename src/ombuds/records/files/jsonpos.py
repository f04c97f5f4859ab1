"""Line numbers for every value and key of a JSON text.

`json.loads` gives values but forgets where they were; this second pass over text that
already parsed records the line of each value and object key by path, so semantic errors
("rules[3].pattern is not a valid regex") can point at a line too. Keys are decoded with
`json.loads` itself, so escapes mean exactly what they meant to the first parse.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field

JsonPath = tuple[str | int, ...]

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(
    r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity"
)


@dataclass
class Positions:
    values: dict[JsonPath, int] = field(default_factory=dict)
    keys: dict[JsonPath, int] = field(default_factory=dict)
    # (path of the repeated key, line) for keys given twice in one object.
    duplicates: list[tuple[JsonPath, int]] = field(default_factory=list)
    # lines of NaN / Infinity, which json.loads accepts but JSON does not.
    constants: list[int] = field(default_factory=list)


def locate(text: str) -> Positions:
    """Positions in `text`, which must be JSON that `json.loads` accepted."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    found = Positions()

    def line(pos: int) -> int:
        return bisect_right(newlines, pos - 1) + 1

    def ws(pos: int) -> int:
        match = _WS.match(text, pos)
        assert match is not None
        return match.end()

    def string(pos: int) -> tuple[str, int]:
        match = _STRING.match(text, pos)
        if match is None:
            raise ValueError(f"not a JSON string at offset {pos}")
        decoded: str = json.loads(match.group())
        return decoded, match.end()

    def value(pos: int, path: JsonPath) -> int:
        pos = ws(pos)
        found.values[path] = line(pos)
        char = text[pos]
        if char == "{":
            return members(pos + 1, path)
        if char == "[":
            return items(pos + 1, path)
        if char == '"':
            return string(pos)[1]
        match = _SCALAR.match(text, pos)
        if match is None:
            raise ValueError(f"not JSON at offset {pos}")
        if match.group()[-1] in "Ny":  # NaN, Infinity
            found.constants.append(line(pos))
        return match.end()

    def members(pos: int, path: JsonPath) -> int:
        pos = ws(pos)
        if text[pos] == "}":
            return pos + 1
        seen: set[str] = set()
        while True:
            pos = ws(pos)
            key_line = line(pos)
            key, pos = string(pos)
            if key in seen:
                found.duplicates.append(((*path, key), key_line))
            else:
                seen.add(key)
                found.keys[(*path, key)] = key_line
            pos = ws(pos) + 1  # the colon
            pos = ws(value(pos, (*path, key)))
            if text[pos] == "}":
                return pos + 1
            pos += 1  # the comma

    def items(pos: int, path: JsonPath) -> int:
        pos = ws(pos)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = ws(value(pos, (*path, index)))
            if text[pos] == "]":
                return pos + 1
            pos += 1
            index += 1

    value(0, ())
    return found
