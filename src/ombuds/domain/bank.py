"""Bank: a named list of signals with a category, provenance and optional expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ombuds.domain.signal import Signal


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    category: str
    description: str = ""
    # Perceptual distance threshold for this bank (e.g. PDQ); None means the type's default.
    threshold: int | None = None


@dataclass(frozen=True, slots=True)
class BankEntry:
    """One signal in a bank, with who put it there, why and from where.

    `public_id` is what notices cite: it names the entry without revealing the signal.
    """

    bank: str
    signal: Signal
    category: str
    provenance: str = ""
    author: str = ""
    reason: str = ""
    expires_at: datetime | None = None
    enabled: bool = True
    disabled_until: datetime | None = None
    tags: tuple[str, ...] = ()
    public_id: str = ""

    def active(self, now: datetime) -> bool:
        if self.expires_at is not None and now >= self.expires_at:
            return False
        if self.disabled_until is not None and now < self.disabled_until:
            return False
        return self.enabled or (self.disabled_until is not None and now >= self.disabled_until)
