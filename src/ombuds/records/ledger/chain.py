"""Canonical JSON and the SHA-256 digests that chain ledger entries together.

Canonical means: keys sorted, no whitespace, UTF-8, times as UTC ISO 8601 with
microseconds. The same value always gives the same bytes, on any backend and after a
round trip through the database, so a verifier can recompute every digest from the rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ombuds.records.json_text import encoder

# The prev_digest of the first entry: 64 zeros, so every entry has the same shape.
GENESIS = "0" * 64


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not canonical JSON")


def iso(when: datetime) -> str:
    if when.tzinfo is not UTC:  # the store and the engine give UTC already: skip the copy
        when = when.astimezone(UTC)
    return when.isoformat(timespec="microseconds")


_ENCODE = encoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
)


def canonical(value: Any) -> bytes:
    """The canonical encoding of a JSON value (datetimes allowed, as UTC strings)."""
    return _ENCODE(value).encode("utf-8")


def plain(value: Any) -> Any:
    """`value` as the database will give it back: datetimes become strings, tuples lists."""
    return json.loads(canonical(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_digest(
    *,
    seq: int,
    kind: str,
    actor: str,
    subject: str,
    payload: Mapping[str, Any],
    created_at: datetime,
    prev_digest: str,
) -> str:
    """The digest of one entry: every field, and the digest of the entry before it."""
    return sha256_hex(
        canonical(
            {
                "seq": seq,
                "kind": kind,
                "actor": actor,
                "subject": subject,
                "payload": payload,
                "created_at": created_at,
                "prev": prev_digest,
            }
        )
    )


def root(digests: Sequence[str]) -> str:
    """One digest that commits to a list of digests, in order."""
    h = hashlib.sha256()
    for digest in digests:
        h.update(bytes.fromhex(digest))
    return h.hexdigest()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(when: datetime) -> int:
    """A time as integer microseconds since the epoch: exact, whatever its zone."""
    return (when - EPOCH) // _MICROSECOND


def _micros(value: object) -> int:
    if isinstance(value, datetime):
        return micros(value)
    raise TypeError(f"{type(value).__name__} is not canonical JSON")


# Decisions are digested tens of thousands of times a second: times become integer
# microseconds since the epoch (exact, and cheaper than ISO text), fields go in a list.
_ENCODE_DECISION = encoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_micros
)


def decision_digest(decision: Sequence[Any], notice: Sequence[Any] | None) -> str:
    """The digest of one decision's recorded values (and its notice's), in a fixed field
    order: a list, not an object, so no keys are sorted or repeated per decision.
    """
    return sha256_hex(_ENCODE_DECISION([decision, notice]).encode("utf-8"))
