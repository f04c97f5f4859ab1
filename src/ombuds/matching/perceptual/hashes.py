"""PDQ hash representations and exact Hamming distances.

A 256-bit PDQ hash is held as four uint64 words, most significant first: word 0 is the first 16
hex characters of the 64-character string. Bit k (0 = most significant) of the hash is bit
63 - k % 64 of word k // 64. Every index structure and snapshot uses this layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ombuds.errors import SignalFormatError

HASH_BITS = 256
HASH_WORDS = 4
HEX_CHARS = 64

Words = npt.NDArray[np.uint64]

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _format_error(value: object) -> SignalFormatError:
    return SignalFormatError(
        f"malformed pdq: expected {HEX_CHARS} hex characters, got {value!r}", field="signal_str"
    )


def _check_one(value: object) -> None:
    if not isinstance(value, str) or len(value) != HEX_CHARS or not _HEX_DIGITS.issuperset(value):
        raise _format_error(value)


def parse_hex(value: str) -> Words:
    """One 64-hex-character PDQ string as a (1, 4) word array."""
    return parse_hex_many([value])


def parse_hex_many(values: Sequence[str]) -> Words:
    """PDQ strings as an (n, 4) word array; raise SignalFormatError naming the first bad one."""
    if len(values) == 0:
        return np.zeros((0, HASH_WORDS), dtype=np.uint64)
    try:
        # One C-level decode for the whole batch. bytes.fromhex skips whitespace, so a short
        # result (or a length that is not 64) means some string was malformed.
        raw = bytes.fromhex("".join(values))
        ok = len(raw) == 32 * len(values) and all(len(v) == HEX_CHARS for v in values)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        for value in values:
            _check_one(value)
        raise _format_error(values)  # pragma: no cover - the loop above always finds it
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, HASH_WORDS)


def to_words(hashes: npt.NDArray[np.generic]) -> Words:
    """Accept (n, 32) uint8 (the hash's bytes, MSB first) or (n, 4) uint64 words; return words."""
    arr = np.asarray(hashes)
    if arr.ndim != 2:
        raise ValueError(f"hashes must be 2-D, got shape {arr.shape}")
    if arr.dtype == np.uint8 and arr.shape[1] == 32:
        return np.ascontiguousarray(arr).view(">u8").astype(np.uint64).reshape(-1, HASH_WORDS)
    if arr.dtype == np.uint64 and arr.shape[1] == HASH_WORDS:
        return np.ascontiguousarray(arr)
    raise ValueError(f"hashes must be (n, 32) uint8 or (n, 4) uint64, got {arr.dtype} {arr.shape}")


def to_hex(words: Words) -> list[str]:
    """The 64-hex-character strings of an (n, 4) word array."""
    raw = np.ascontiguousarray(words, dtype=np.uint64).astype(">u8").tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def row_distances(rows: Words, query: Words) -> npt.NDArray[np.uint16]:
    """Hamming distance from each of `rows` (k, 4) to one query (4,) or to paired queries (k, 4)."""
    counts = np.bitwise_count(rows ^ query)
    # bitwise_count yields uint8; four words can reach 256, which uint8 would wrap to 0.
    dist: npt.NDArray[np.uint16] = np.add(counts[:, 0], counts[:, 1], dtype=np.uint16)
    dist += counts[:, 2]
    dist += counts[:, 3]
    return dist


def brute_force(
    rows: Words, queries: Words, threshold: int, block: int = 1 << 16
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.uint16]]:
    """Every (query, row, distance) with distance <= threshold, by scanning all rows.

    Queries are broadcast in blocks so each step touches about `block` pairs: big enough to
    amortise numpy's per-call cost, small enough to stay in cache.
    """
    n, q = len(rows), len(queries)
    out_q: list[npt.NDArray[np.intp]] = []
    out_r: list[npt.NDArray[np.intp]] = []
    out_d: list[npt.NDArray[np.uint16]] = []
    if n == 0 or q == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty.copy(), np.zeros(0, dtype=np.uint16)
    row_step = min(n, block)
    q_step = max(1, block // row_step)
    for r0 in range(0, n, row_step):
        chunk = rows[r0 : r0 + row_step]
        for q0 in range(0, q, q_step):
            qs = queries[q0 : q0 + q_step]
            counts = np.bitwise_count(chunk[None, :, :] ^ qs[:, None, :])
            dist = np.add(counts[..., 0], counts[..., 1], dtype=np.uint16)
            dist += counts[..., 2]
            dist += counts[..., 3]
            qi, ri = np.nonzero(dist <= threshold)
            out_q.append(qi + q0)
            out_r.append(ri + r0)
            out_d.append(dist[qi, ri])
    return np.concatenate(out_q), np.concatenate(out_r), np.concatenate(out_d)
