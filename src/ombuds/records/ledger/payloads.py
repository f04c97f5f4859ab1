"""What the ledger says about a bank change: who, what (signals and counts), why, from where.

A bank change can be a million entries; the entry lists the first `LISTED` of them and
commits to all of them by digest, so an export of the bank can be checked against it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ombuds.domain import BankEntry
from ombuds.records.ledger.chain import sha256_hex

LISTED = 200
_DISTINCT = 20  # reasons/provenances/authors listed per change


class BankChange:
    """Accumulates the entries of one bank change (an import streams them in batches)."""

    def __init__(self, bank: str, *, origin: str, reason: str = "") -> None:
        self.bank = bank
        self.origin = origin
        self.reason = reason
        self.count = 0
        self._types: Counter[str] = Counter()
        self._listed: list[dict[str, str]] = []
        self._why: dict[str, set[str]] = {"reasons": set(), "provenances": set(), "authors": set()}
        self._hash = sha256_hex(b"")

    def add(self, entries: Sequence[BankEntry]) -> None:
        for e in entries:
            self.count += 1
            self._types[e.signal.signal_type] += 1
            item = {"type": e.signal.signal_type, "value": e.signal.value, "id": e.public_id}
            if len(self._listed) < LISTED:
                self._listed.append(item)
            # A running hash: one pass, constant memory, order = the order added.
            self._hash = sha256_hex(f"{self._hash}|{item['type']}:{item['value']}".encode())
            for key, value in (
                ("reasons", e.reason),
                ("provenances", e.provenance),
                ("authors", e.author),
            ):
                if value and len(self._why[key]) < _DISTINCT:
                    self._why[key].add(value)

    def payload(self, **extra: Any) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "origin": self.origin,
            "reason": self.reason,
            "count": self.count,
            "signal_types": dict(sorted(self._types.items())),
            "signals": self._listed,
            "signals_listed": len(self._listed),
            "signals_digest": self._hash,
            **{key: sorted(values) for key, values in self._why.items()},
            **extra,
        }


def safe_url(url: str) -> str:
    """A URL without credentials or query: what an auditor needs, nothing that signs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return ""
