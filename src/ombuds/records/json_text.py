"""JSON text as the json module writes it, without its per-call set-up.

`json.dumps` and `JSONEncoder.encode` build a new C encoder object on every call: for the
small values of a decision row (an empty list, a dict of two keys) that set-up is most of
the ~2-4 µs a call costs, and recording a decision encodes five such values (four JSON
columns and its digest). `encoder()` builds the C encoder once; its text is exactly
`json.JSONEncoder(...).encode`'s for the same options (a property test holds them equal),
so stored JSON and digests are unchanged.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from functools import cache
from typing import Any

Default = Callable[[Any], Any]

# `json.encoder.c_make_encoder` is the accelerator the json module itself uses; an
# interpreter without it gets the json module's own (slower) path, with the same text.
_C_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)


class Encoder:
    """`json.JSONEncoder(...).encode` for fixed options, its C encoder built once.

    A callable object rather than a closure: psycopg caches the JSON dumper it makes for a
    serializer function by its code, and refuses (with a warning) to cache closures.
    """

    __slots__ = ("_make", "_reference")

    def __init__(self, reference: json.JSONEncoder, make: Any) -> None:
        self._reference = reference
        self._make = make

    def __call__(self, value: Any) -> str:
        if self._make is None or isinstance(value, str):  # as JSONEncoder.encode does
            return self._reference.encode(value)
        return "".join(self._make(value, 0))


def encoder(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
    allow_nan: bool = True,
    default: Default | None = None,
) -> Encoder:
    """A function giving `json.JSONEncoder(...).encode(value)` for these options.

    No check for circular references: the values encoded here come from JSON or from
    frozen dataclasses, and a cycle would end in RecursionError rather than a hang.
    """
    reference = json.JSONEncoder(
        sort_keys=sort_keys,
        separators=separators,
        ensure_ascii=ensure_ascii,
        allow_nan=allow_nan,
        default=default,
        check_circular=False,
    )
    if _C_MAKE_ENCODER is None:
        return Encoder(reference, None)
    item_separator, key_separator = separators
    make = _C_MAKE_ENCODER(
        None,  # markers: no circular check
        reference.default,
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,  # indent
        key_separator,
        item_separator,
        sort_keys,
        False,  # skipkeys
        allow_nan,
    )
    return Encoder(reference, make)


@cache
def column_encoder() -> Encoder:
    """The JSON columns' serializer: json.dumps's text. One object for every database
    engine, so a driver that caches per serializer (psycopg) keeps one entry."""
    return encoder()
