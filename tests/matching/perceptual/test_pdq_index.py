"""The PDQ index against a brute-force model: exact results, incremental updates, snapshots."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.errors import ConfigError, InputError, SignalFormatError
from ombuds.matching.perceptual import PDQIndex, PerceptualMatch
from ombuds.matching.perceptual import index as index_module
from ombuds.matching.perceptual.hashes import parse_hex_many, to_hex, to_words
from ombuds.matching.perceptual.mih import choose_bits, probe_masks, radii_for

THRESHOLDS = [0, 1, 15, 31, 32, 40, 63]
MODES = ["auto", "table"]


def search_mode(mode: str) -> AbstractContextManager[object]:
    """At test sizes brute force is cheaper, so "table" forces the multi-index path."""
    if mode == "auto":
        return nullcontext()
    return mock.patch.object(index_module, "BRUTE_ROW_NS", 1e12)


def flip(rng: np.random.Generator, words: np.ndarray, max_bits: int) -> np.ndarray:
    """Copies of `words` with 0..max_bits random distinct bits flipped each."""
    out = words.copy()
    for row in out:
        for bit in rng.choice(256, int(rng.integers(0, max_bits + 1)), replace=False):
            row[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return out


def clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Half random hashes, half near-duplicates (0..40 bits) of a few cluster centres."""
    centres = rng.integers(0, 2**64, size=(8, 4), dtype=np.uint64)
    near = flip(rng, centres[rng.integers(0, 8, n // 2)], 40)
    far = rng.integers(0, 2**64, size=(n - n // 2, 4), dtype=np.uint64)
    return np.concatenate([near, far])


def brute(words: np.ndarray, refs: np.ndarray, q: np.ndarray, t: int) -> list[PerceptualMatch]:
    if len(words) == 0:
        return []
    dist = np.bitwise_count(words ^ q).astype(np.int64).sum(axis=1)
    best: dict[int, int] = {}
    for ref, d in zip(refs.tolist(), dist.tolist(), strict=True):
        if d <= t and d < best.get(ref, 999):
            best[ref] = d
    return sorted(
        (PerceptualMatch(r, d) for r, d in best.items()), key=lambda m: (m.distance, m.ref)
    )


def queries_for(rng: np.random.Generator, words: np.ndarray, k: int) -> np.ndarray:
    hits = flip(rng, words[rng.integers(0, len(words), k)], 45) if len(words) else words[:0]
    misses = rng.integers(0, 2**64, size=(k, 4), dtype=np.uint64)
    return np.concatenate([hits, misses])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["random", "clustered"])
@pytest.mark.parametrize("tail_limit", [0, 10_000])
def test_exact_against_brute_force(kind: str, tail_limit: int, mode: str) -> None:
    with search_mode(mode):
        _check_exact(kind, tail_limit)


def _check_exact(kind: str, tail_limit: int) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    words = clustered(rng, n) if kind == "clustered" else rng.integers(0, 2**64, (n, 4), np.uint64)
    refs = np.arange(n, dtype=np.int64) * 3
    # tail_limit 0 puts every row in the table; 10_000 keeps the added half in the tail.
    index = PDQIndex.build(words[: n // 2], refs[: n // 2], tail_limit=tail_limit)
    index.add_many(words[n // 2 :], refs[n // 2 :])
    qs = queries_for(rng, words, 40)
    hexes = to_hex(qs)
    for t in THRESHOLDS:
        got = index.query_many(hexes, threshold=t)
        assert got == [brute(words, refs, q, t) for q in qs], f"threshold {t}"
    assert index.query_many(hexes, 31) == [index.query(h, 31) for h in hexes]


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    t=st.sampled_from([*THRESHOLDS, 256]),
    ops=st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.integers(0, 400)), max_size=30),
)
def test_property_matches_model(
    mode: str, seed: int, n: int, t: int, ops: list[tuple[str, int]]
) -> None:
    with search_mode(mode):
        _check_model(seed, n, t, ops)


def _check_model(seed: int, n: int, t: int, ops: list[tuple[str, int]]) -> None:
    rng = np.random.default_rng(seed)
    words = clustered(rng, n) if n else np.zeros((0, 4), np.uint64)
    refs = rng.integers(0, 200, n).astype(np.int64)  # duplicate refs on purpose
    index = PDQIndex.build(words, refs, tail_limit=int(rng.integers(0, 20)), threads=2)
    model = {i: (words[i], int(refs[i])) for i in range(n)}
    next_id = n
    for op, arg in ops:
        if op == "add":
            w = flip(rng, words[arg % n : arg % n + 1], 20) if n else clustered(rng, 1)
            index.add(to_hex(w)[0], arg)
            model[next_id] = (w[0], arg)
            next_id += 1
        else:
            present = any(r == arg for _, r in model.values())
            assert index.remove(arg) is present
            model = {k: v for k, v in model.items() if v[1] != arg}
    assert len(index) == len(model)
    mw = np.array([w for w, _ in model.values()], dtype=np.uint64).reshape(-1, 4)
    mr = np.array([r for _, r in model.values()], dtype=np.int64)
    qs = queries_for(rng, mw, 5)
    assert index.query_many(to_hex(qs), t) == [brute(mw, mr, q, t) for q in qs]
    index.close()


def test_single_hash_and_empty_index() -> None:
    empty = PDQIndex()
    h = "f" * 64
    assert len(empty) == 0
    assert empty.query(h) == []
    assert empty.query_many([]) == []
    one = PDQIndex.build(parse_hex_many([h]), np.array([42]))
    assert len(one) == 1
    assert one.query(h, threshold=0) == [PerceptualMatch(ref=42, distance=0)]
    near = "7" + "f" * 63  # one bit off
    assert one.query(near, threshold=0) == []
    assert one.query(near, threshold=1) == [PerceptualMatch(ref=42, distance=1)]
    assert one.query("0" * 64, threshold=255) == []
    assert one.query("0" * 64, threshold=256) == [PerceptualMatch(ref=42, distance=256)]


def test_duplicates_and_sorting() -> None:
    base = "a" * 64
    index = PDQIndex()
    index.add(base, 5)
    index.add(base, 3)
    index.add("b" + "a" * 63, 1)  # 'a'=1010 vs 'b'=1011: one bit
    index.add(base, 3)  # same ref twice: reported once
    assert index.query(base) == [
        PerceptualMatch(ref=3, distance=0),
        PerceptualMatch(ref=5, distance=0),
        PerceptualMatch(ref=1, distance=1),
    ]


def test_add_remove_visibility() -> None:
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**64, (5000, 4), np.uint64)
    index = PDQIndex.build(words, np.arange(5000), tail_limit=100)
    h = "0123456789abcdef" * 4
    assert index.query(h) == []
    index.add(h, 9999)
    assert index.query(h) == [PerceptualMatch(9999, 0)]
    assert index.remove(9999)
    assert index.query(h) == []
    assert not index.remove(9999)
    index.add(h, 9999)  # add after remove
    assert index.query(h) == [PerceptualMatch(9999, 0)]
    index.add_many(words[:500], np.arange(10_000, 10_500))  # forces a merge into the table
    assert index.query(h) == [PerceptualMatch(9999, 0)]
    assert index.query(to_hex(words[:1])[0], 0) == [
        PerceptualMatch(0, 0),
        PerceptualMatch(10_000, 0),
    ]
    for ref in range(0, 5000, 2):
        index.remove(ref)
    index.compact()
    assert len(index) == 2500 + 1 + 500
    assert index.query(to_hex(words[1:2])[0], 0) == [
        PerceptualMatch(1, 0),
        PerceptualMatch(10_001, 0),
    ]


def test_snapshot_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    words = clustered(rng, 2000)
    index = PDQIndex.build(words, np.arange(2000))
    index.remove(7)
    index.add("e" * 64, 123_456)
    path = tmp_path / "pdq.snapshot"
    index.save(path)
    loaded = PDQIndex.load(path)
    assert len(loaded) == len(index) == 2000
    qs = [*to_hex(queries_for(rng, words, 20)), "e" * 64]
    assert loaded.query_many(qs) == index.query_many(qs)
    assert [p.name for p in tmp_path.iterdir()] == ["pdq.snapshot"]  # no temporary left


def test_corrupt_snapshot_is_config_error(tmp_path: Path) -> None:
    path = tmp_path / "pdq.snapshot"
    PDQIndex.build(np.ones((100, 4), np.uint64), np.arange(100)).save(path)
    data = path.read_bytes()
    cases = {
        "truncated": data[: len(data) - 40],
        "flipped": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
        "magic": b"PK\x03\x04" + data[4:],
        "header": data[:16] + b"x" + data[17:],
        "not-object": data[:16] + b"[]" + b" " * (len(data) - 18),
        "empty": b"",
    }
    for name, blob in cases.items():
        bad = tmp_path / f"{name}.snapshot"
        bad.write_bytes(blob)
        with pytest.raises(ConfigError) as err:
            PDQIndex.load(bad)
        assert err.value.file == str(bad), name
    with pytest.raises(ConfigError):
        PDQIndex.load(tmp_path / "missing.snapshot")


@pytest.mark.parametrize(
    "bad", ["", "xyz", "g" * 64, "a" * 63, "a" * 65, " " + "a" * 63, "a" * 32 + " " * 32]
)
def test_bad_hex_is_signal_format_error(bad: str) -> None:
    index = PDQIndex()
    with pytest.raises(SignalFormatError) as err:
        index.query(bad)
    assert err.value.field == "signal_str"
    with pytest.raises(SignalFormatError):
        index.query_many(["a" * 64, bad])
    with pytest.raises(SignalFormatError):
        index.add(bad, 1)


def test_bad_threshold_and_arrays() -> None:
    index = PDQIndex()
    with pytest.raises(InputError):
        index.query("a" * 64, threshold=-1)
    with pytest.raises(InputError):
        index.query("a" * 64, threshold=257)
    with pytest.raises(ValueError, match="refs"):
        PDQIndex.build(np.zeros((2, 4), np.uint64), np.arange(3))
    with pytest.raises(ValueError, match="uint8"):
        PDQIndex.build(np.zeros((2, 5), np.uint64), np.arange(2))


def test_byte_and_word_layouts_agree() -> None:
    h = "8000000000000001" + "00" * 24
    as_bytes = np.frombuffer(bytes.fromhex(h), dtype=np.uint8).reshape(1, 32)
    assert np.array_equal(to_words(as_bytes), parse_hex_many([h]))
    assert to_hex(to_words(as_bytes)) == [h]


def test_layout_planning() -> None:
    assert choose_bits(10_000_000) == 23
    for t in range(80):
        for chunks in (11, 12, 16):
            radii = radii_for(t, chunks)
            assert sum(r + 1 for r in radii) == t + 1
            assert max(radii) - min(radii) <= 1
    assert len(probe_masks(23, 2)) == 1 + 23 + 253
