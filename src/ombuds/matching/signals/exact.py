"""Exact cryptographic hashes over file bytes: `md5` (what WeChat's realtime index uses) and
`sha256`. They run in the inline tier."""

from __future__ import annotations

import hashlib
import re
from typing import ClassVar

from ombuds.domain import Content, ContentKind, Signal
from ombuds.errors import SignalFormatError
from ombuds.matching.signals.base import IndexKind, SignalType


class _HexDigestSignal(SignalType):
    index_kind = IndexKind.EXACT
    content_kinds = frozenset({ContentKind.IMAGE, ContentKind.FILE})
    hex_chars: ClassVar[int]

    def _digest(self, data: bytes) -> str:
        return hashlib.new(self.name, data).hexdigest()

    def compute(self, content: Content) -> Signal | None:
        if content.data is None or not self.applies_to(content):
            return None
        return Signal(self.name, self._digest(content.data))

    def parse(self, value: str) -> str:
        canonical = value.strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{self.hex_chars}}}", canonical):
            raise SignalFormatError(
                f"malformed {self.name}: expected {self.hex_chars} hex characters, got {value!r}",
                field="signal_str",
            )
        return canonical


class MD5Signal(_HexDigestSignal):
    name = "md5"
    hex_chars = 32

    def _digest(self, data: bytes) -> str:
        # MD5 identifies known files, as every hash-sharing program does: no security use.
        return hashlib.md5(data, usedforsecurity=False).hexdigest()


class SHA256Signal(_HexDigestSignal):
    name = "sha256"
    hex_chars = 64
