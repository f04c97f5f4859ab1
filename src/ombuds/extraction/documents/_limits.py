"""Limits, results and failure causes shared by the document readers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from ombuds.extraction.images import UnscannableError

MiB = 1024 * 1024


class Cause(StrEnum):
    """`UnscannableError.cause` values for documents (plain strings, stable for reports)."""

    NOT_A_DOCUMENT = "not_a_document"  # empty, binary, an image, SVG, a format not read here
    CORRUPT = UnscannableError.CORRUPT  # a PDF or DOCX that does not parse, truncated
    ENCRYPTED = "encrypted"  # a PDF that needs a password to open
    TOO_LARGE = UnscannableError.TOO_LARGE  # input bytes, zip expansion or parser limits
    TIMEOUT = "timeout"  # the wall-clock budget ran out between pages


def unscannable(message: str, cause: Cause) -> UnscannableError:
    return UnscannableError(message, cause=cause.value)


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """Bounds on the work one untrusted document may cause. Defaults suit a deferred worker.

    - `max_bytes`: larger inputs are refused unread (TOO_LARGE).
    - `max_pages`: a PDF's pages past this are not read; the text is marked truncated.
    - `max_chars`: extracted text is cut here and marked truncated.
    - `max_zip_entries`, `max_zip_bytes`, `max_zip_ratio`: a DOCX (a zip) is refused before
      anything is inflated when its central directory declares more members, more
      uncompressed bytes in total, or a member (over 1 MiB) compressed more than this ratio.
      Members are then read as streams that stop at the declared size.
    - `time_budget_s`: wall-clock seconds per document, checked between pages (PDF), between
      parts (DOCX) and between chunks (HTML/text); running out is TIMEOUT, never a partial
      result, so a signature does not depend on how busy the machine was. One pathological
      page can still overrun it: run extraction in a worker process with a hard kill for that.
    """

    max_bytes: int = 128 * MiB
    max_pages: int = 2_000
    max_chars: int = 2_000_000
    max_zip_entries: int = 10_000
    max_zip_bytes: int = 256 * MiB
    max_zip_ratio: float = 200.0
    time_budget_s: float = 10.0

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pages", "max_chars", "max_zip_entries", "max_zip_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"DocumentLimits.{name} must be positive")
        if self.max_zip_ratio <= 1 or self.time_budget_s <= 0:
            raise ValueError("DocumentLimits.max_zip_ratio must exceed 1, time_budget_s be > 0")


@dataclass(frozen=True, slots=True)
class DocumentText:
    """Text read from a document.

    `format` is "pdf", "docx", "html" or "text". `pages` is the number of PDF pages read
    (at most `max_pages`); formats without pages report 1. `truncated` is True when a page
    or character limit cut the text short.
    """

    text: str
    format: str
    pages: int
    truncated: bool


class Budget:
    """A wall-clock deadline checked at safe points."""

    __slots__ = ("_deadline", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._deadline:
            raise unscannable(
                f"document took longer than the budget of {self._seconds:g} s", Cause.TIMEOUT
            )


class TextSink:
    """Collects text pieces up to `max_chars`; `full` tells the reader to stop early."""

    __slots__ = ("_len", "_max", "_parts", "truncated")

    def __init__(self, max_chars: int) -> None:
        self._max = max_chars
        self._parts: list[str] = []
        self._len = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.truncated

    def add(self, piece: str) -> None:
        if self.truncated or not piece:
            return
        room = self._max - self._len
        if len(piece) > room:
            piece = piece[:room]
            self.truncated = True
        self._parts.append(piece)
        self._len += len(piece)

    def text(self) -> str:
        return "".join(self._parts)
