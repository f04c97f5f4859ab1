"""The signal-type interface every built-in and plugin implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import ClassVar

from ombuds.domain import Content, ContentKind, Signal


class IndexKind(StrEnum):
    """Which kind of index holds signals of a type."""

    EXACT = "exact"  # equal strings match (cryptographic hashes)
    PERCEPTUAL = "perceptual"  # Hamming distance within a threshold (PDQ)
    TEXT = "text"  # near-duplicate text fingerprints (MinHash)


class SignalType(ABC):
    """A kind of fingerprint: how to compute it from content and how to parse its string form.

    Subclasses are stateless; the registry holds one instance of each.
    """

    name: ClassVar[str]
    index_kind: ClassVar[IndexKind]
    content_kinds: ClassVar[frozenset[ContentKind]]
    # Whether computing it is cheap enough for the inline tier (before delivery).
    inline: ClassVar[bool] = True

    @abstractmethod
    def compute(self, content: Content) -> Signal | None:
        """The content's signal, or None when the type does not apply or finds nothing usable."""

    @abstractmethod
    def parse(self, value: str) -> str:
        """Validate a signal string and return its canonical form; raise SignalFormatError."""

    def applies_to(self, content: Content) -> bool:
        return content.kind in self.content_kinds
