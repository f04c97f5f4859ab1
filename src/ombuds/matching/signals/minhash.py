"""MinHash: near-duplicate fingerprints of the text inside documents (PDF, DOCX, HTML, text).

A value is 1024 lowercase hex characters: 128 unsigned 32-bit minima, big-endian, in
permutation order. Two values estimate the Jaccard similarity of the documents' shingle sets
as the fraction of positions that are equal (`jaccard`).

The construction is fixed, so signatures stay comparable across processes, machines and
library versions (a change to any step needs a new signal type name):

1. text = `ombuds.matching.text.normalize(extracted text)`; under MIN_CHARS characters, or
   no word at all, there is no signal (`compute` returns None);
2. tokens: each character of a script written without spaces (Han, kana, Thai, Lao, Khmer,
   Myanmar) is a token, and so is each run of other word characters; punctuation goes;
3. shingles: every SHINGLE_TOKENS consecutive tokens, joined with U+001F, UTF-8 encoded, as a
   set: word 3-grams for Latin text, character 3-grams for Chinese and Japanese, and both
   across a boundary in mixed text (a text shorter than that is one shingle);
4. hash: the first 4 bytes of BLAKE2b (digest size 4) of the shingle, little-endian;
5. datasketch `MinHash(scheme="affine32")`: MurmurHash3's 32-bit finalizer, then
   `a * h + b mod 2^32` for 128 (a, b) pairs that are derived here from SHA-256 of
   `b"ombuds-minhash-v1:a:<i>"` and `...:b:<i>` (a made odd), never from a random generator
   whose stream a library release could change; the minimum per permutation.

A test pins the signature of a fixed text, so an accidental change to any step fails CI.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ombuds.domain import Content, ContentKind, Signal
from ombuds.errors import MissingExtraError, SignalFormatError
from ombuds.extraction.documents import Cause, DocumentLimits, UnscannableError, extract_text
from ombuds.matching.signals.base import IndexKind, SignalType
from ombuds.matching.text import normalize

if TYPE_CHECKING:
    import numpy.typing as npt

NUM_PERM = 128
HEX_CHARS = NUM_PERM * 8
SHINGLE_TOKENS = 3
MIN_CHARS = 50
# Near-duplicate at or above this estimated Jaccard similarity (a bank may set its own).
DEFAULT_THRESHOLD = 0.8

_SEGMENTED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"[{_SEGMENTED}]|[^\\W{_SEGMENTED}]+")
_HEX = re.compile(f"[0-9a-f]{{{HEX_CHARS}}}")
_BATCH = 8192  # shingles per datasketch update: bounds its (batch x 128) work array


@cache
def _permutations() -> npt.NDArray[np.uint32]:
    def word(tag: str, i: int) -> int:
        digest = hashlib.sha256(f"ombuds-minhash-v1:{tag}:{i}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    a = [word("a", i) | 1 for i in range(NUM_PERM)]
    b = [word("b", i) for i in range(NUM_PERM)]
    return np.array([a, b], dtype=np.uint32)


def _hash32(shingle: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(shingle, digest_size=4).digest(), "little")


def _datasketch() -> Any:
    # Imported on first use, untyped: every value taken from it is converted on the spot.
    try:
        return importlib.import_module("datasketch")
    except ImportError as exc:
        raise MissingExtraError("datasketch", "documents") from exc


def shingles(normalized: str) -> set[bytes]:
    """The shingle set of already-normalized text (empty when it holds no word)."""
    tokens = _TOKEN.findall(normalized)
    if not tokens:
        return set()
    k = SHINGLE_TOKENS
    if len(tokens) <= k:
        return {"\x1f".join(tokens).encode()}
    return {"\x1f".join(tokens[i : i + k]).encode() for i in range(len(tokens) - k + 1)}


def signature_of(items: Iterable[bytes]) -> npt.NDArray[np.uint32]:
    """The 128 MinHash values of a non-empty set of shingles."""
    sketch = _datasketch().MinHash(
        num_perm=NUM_PERM, hashfunc=_hash32, permutations=_permutations(), scheme="affine32"
    )
    batch: list[bytes] = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            sketch.update_batch(batch)
            batch = []
    if batch:
        sketch.update_batch(batch)
    values = np.asarray(sketch.hashvalues, dtype=np.uint32)
    if values.shape != (NUM_PERM,):
        raise RuntimeError(f"datasketch returned {values.shape} hash values, not {NUM_PERM}")
    return values


def fingerprint_text(text: str, *, min_chars: int = MIN_CHARS) -> str | None:
    """The MinHash value of `text`, or None when it is too short to fingerprint."""
    normalized = normalize(text)
    if len(normalized) < min_chars:
        return None
    items = shingles(normalized)
    return to_hex(signature_of(items)) if items else None


def to_hex(signature: npt.NDArray[np.uint32]) -> str:
    return np.asarray(signature, dtype=">u4").tobytes().hex()


def from_hex(value: str) -> npt.NDArray[np.uint32]:
    """The 128 values of a signal string (canonical or upper case); SignalFormatError else."""
    return np.frombuffer(bytes.fromhex(parse_value(value)), dtype=">u4").astype(np.uint32)


def parse_value(value: str) -> str:
    canonical = value.strip().lower() if isinstance(value, str) else ""
    if not _HEX.fullmatch(canonical):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "..."
        raise SignalFormatError(
            f"malformed minhash: expected {HEX_CHARS} hex characters, got {shown!r}",
            field="signal_str",
        )
    return canonical


def jaccard(a: str, b: str) -> float:
    """Estimated Jaccard similarity of the documents behind two minhash values (0..1)."""
    equal = np.count_nonzero(from_hex(a) == from_hex(b))
    return float(equal) / NUM_PERM


class MinHashSignal(SignalType):
    """MinHash of a document's text, for near-duplicate matching (`NearTextIndex`).

    Applies to FILE content only: chat text is matched by lexicons, and a file is matched
    whatever name or type it was sent with (the format comes from its bytes). `compute`
    returns None for files that are no document this reads (images, archives, binary:
    other signal types cover those) and for documents with under `min_chars` characters of
    normalized text. A document it cannot read (corrupt, truncated, password-protected,
    over a limit) raises `UnscannableError`, which the engine turns into an `unscannable`
    decision: "could not look" must not read as "looked, found nothing".
    """

    name = "minhash"
    index_kind = IndexKind.TEXT
    content_kinds = frozenset({ContentKind.FILE})
    inline = False

    def __init__(self, *, limits: DocumentLimits | None = None, min_chars: int = MIN_CHARS) -> None:
        self.limits = limits if limits is not None else DocumentLimits()
        self.min_chars = min_chars

    def compute(self, content: Content) -> Signal | None:
        if content.data is None or not self.applies_to(content):
            return None
        try:
            document = extract_text(content.data, limits=self.limits)
        except UnscannableError as exc:
            if exc.cause == Cause.NOT_A_DOCUMENT:
                return None
            raise
        value = fingerprint_text(document.text, min_chars=self.min_chars)
        return None if value is None else Signal(self.name, value)

    def parse(self, value: str) -> str:
        return parse_value(value)
