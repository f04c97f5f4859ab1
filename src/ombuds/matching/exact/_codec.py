"""Hex digests as big-endian 64-bit words, and the validation the exact index promises.

Digests are compared as tuples of unsigned 64-bit words read big-endian, so numeric order of
the words is the lexicographic order of the digest bytes. Widths that are not a multiple of 8
bytes (e.g. a 20-byte sha1 plugin) are zero-padded on the right to whole words.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ombuds.errors import SignalFormatError

# Bit 63 of a stored ref marks a removed row; refs must therefore be below it.
TOMBSTONE = 1 << 63
MAX_DIGEST_BYTES = 64

Rows = NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Layout:
    """How digests of one signal type are parsed and stored."""

    signal_type: str
    nbytes: int
    words: int
    hexlen: int
    pad: bytes
    unpack: Callable[[bytes], tuple[int, ...]]

    @property
    def stride(self) -> int:
        """Words per stored row: the digest words, then the ref."""
        return self.words + 1


def layout(signal_type: str, nbytes: int) -> Layout:
    if not 1 <= nbytes <= MAX_DIGEST_BYTES:
        raise ValueError(f"digest width for {signal_type!r} must be 1..64 bytes, got {nbytes}")
    words = -(-nbytes // 8)
    return Layout(
        signal_type=signal_type,
        nbytes=nbytes,
        words=words,
        hexlen=2 * nbytes,
        pad=bytes(8 * words - nbytes),
        unpack=struct.Struct(f">{words}Q").unpack,
    )


def malformed(lay: Layout, value: object, position: int | None = None) -> SignalFormatError:
    shown = (
        repr(value) if not isinstance(value, str) or len(value) <= 80 else repr(value[:80]) + "…"
    )
    where = "" if position is None else f" at position {position}"
    return SignalFormatError(
        f"malformed {lay.signal_type}{where}: expected {lay.hexlen} hex characters, got {shown}",
        field="signal_str",
    )


def parse_one(lay: Layout, value: str) -> tuple[bytes, tuple[int, ...]]:
    """The digest bytes and words of a hex string, or SignalFormatError.

    `bytes.fromhex` also accepts whitespace between byte pairs; requiring both the exact
    string length and the exact byte count rules that out without a regex.
    """
    if not isinstance(value, str) or len(value) != lay.hexlen:
        raise malformed(lay, value)
    try:
        digest = bytes.fromhex(value)
        return digest, lay.unpack(digest + lay.pad)
    except (ValueError, struct.error):
        raise malformed(lay, value) from None


def to_words(lay: Layout, digests: NDArray[np.uint8]) -> Rows:
    """(N, nbytes) uint8 digests as (N, words) native uint64."""
    if lay.pad:
        padded = np.zeros((len(digests), 8 * lay.words), dtype=np.uint8)
        padded[:, : lay.nbytes] = digests
        digests = padded
    contiguous = np.ascontiguousarray(digests, dtype=np.uint8)
    return contiguous.view(">u8").astype(np.uint64)


def parse_many(lay: Layout, values: Sequence[str]) -> Rows:
    """(N, words) uint64 of many hex strings at once: one `fromhex` over the joined text."""
    count = len(values)
    if count == 0:
        return np.empty((0, lay.words), dtype=np.uint64)
    raw = b""
    try:
        # C-level passes instead of a Python loop over the values. If the text is exactly
        # `count` slots of hexlen characters plus one space between slots, and fromhex turns
        # it into count * nbytes bytes, every slot is hex digits only (fromhex skips
        # whitespace, which would shorten the result). So the text holds no other space,
        # the slots are the values, and each value is exactly hexlen hex digits.
        text = " ".join(values)
        step = lay.hexlen + 1
        if len(text) == count * step - 1 and text[lay.hexlen :: step] == " " * (count - 1):
            raw = bytes.fromhex(text)
        # Freed now rather than at return: holding both large buffers at once made glibc map
        # fresh pages on every call, which doubled the cost in this VM.
        del text
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != count * lay.nbytes:
        for position, value in enumerate(values):
            try:
                parse_one(lay, value)
            except SignalFormatError:
                raise malformed(lay, value, position) from None
        raise malformed(lay, "", None)  # unreachable: some value must have failed above
    return to_words(lay, np.frombuffer(raw, dtype=np.uint8).reshape(count, lay.nbytes))


def to_bytes(lay: Layout, words: Rows) -> bytes:
    """The digest bytes of one row of words (inverse of `to_words`)."""
    return words.astype(">u8").tobytes()[: lay.nbytes]
