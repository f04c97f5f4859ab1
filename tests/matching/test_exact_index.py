"""ExactIndex: behaviour against a plain dict model, input validation, snapshots."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ombuds.errors import ConfigError, SignalFormatError
from ombuds.matching.exact import ExactIndex
from ombuds.matching.exact_index import ExactIndex as ShimExactIndex


def md5(n: int) -> str:
    return hashlib.md5(str(n).encode()).hexdigest()


def sha256(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def as_array(values: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(len(values), -1)


def bulk(index: ExactIndex, signal_type: str, values: list[str], refs: list[int]) -> None:
    index.add_many(signal_type, as_array(values), np.asarray(refs, dtype=np.int64))


# Digests that share their first 8 bytes with another one exercise the ties that the prefix
# sort alone would get wrong.
TWIN_A = "00112233445566770000000000000001"
TWIN_B = "00112233445566770000000000000000"
POOL = [md5(n) for n in range(6)] + [TWIN_A, TWIN_B, "0" * 32, "f" * 32]


def test_shim_exports_the_same_class() -> None:
    assert ShimExactIndex is ExactIndex


def test_empty_index() -> None:
    index = ExactIndex()
    assert len(index) == 0
    assert index.count("md5") == 0
    assert index.lookup("md5", md5(1)) == ()
    assert index.lookup("no-such-type", "anything") == ()
    assert index.lookup_many("md5", []) == []
    assert index.lookup_many("md5", [md5(1), md5(2)]) == [(), ()]
    assert index.remove("md5", md5(1)) is False
    assert index.signal_types() == []


def test_add_lookup_remove() -> None:
    index = ExactIndex()
    index.add("md5", md5(1), 10)
    assert index.lookup("md5", md5(1)) == (10,)
    assert index.lookup("md5", md5(2)) == ()
    assert len(index) == index.count("md5") == 1
    assert index.remove("md5", md5(1), 11) is False
    assert index.remove("md5", md5(1), 10) is True
    assert index.lookup("md5", md5(1)) == ()
    assert len(index) == 0


def test_several_refs_per_digest_sorted_and_deduplicated() -> None:
    index = ExactIndex()
    for ref in (30, 10, 20, 10):
        index.add("md5", md5(1), ref)
    assert index.lookup("md5", md5(1)) == (10, 20, 30)
    assert index.count("md5") == 3
    assert index.remove("md5", md5(1), 20) is True
    assert index.lookup("md5", md5(1)) == (10, 30)
    assert index.remove("md5", md5(1)) is True
    assert index.lookup("md5", md5(1)) == ()
    assert index.count("md5") == 0


def test_bulk_and_incremental_overlay_interplay() -> None:
    index = ExactIndex()
    bulk(index, "md5", [md5(1), md5(2), md5(1), md5(1)], [5, 6, 3, 5])  # (md5(1), 5) twice
    assert index.count("md5") == 3
    index.add("md5", md5(1), 4)  # overlay next to base rows of the same digest
    index.add("md5", md5(3), 7)  # overlay only
    index.add("md5", md5(2), 6)  # already in the base: no-op
    assert index.lookup("md5", md5(1)) == (3, 4, 5)
    assert index.lookup_many("md5", [md5(1), md5(3), md5(2), md5(4)]) == [
        (3, 4, 5),
        (7,),
        (6,),
        (),
    ]
    bulk(index, "md5", [md5(3), md5(4)], [7, 8])  # merges with the overlay, dropping the dup
    assert index.lookup_many("md5", [md5(3), md5(4)]) == [(7,), (8,)]
    assert index.count("md5") == 6


def test_removal_of_bulk_loaded_entries_and_revival() -> None:
    index = ExactIndex()
    bulk(index, "md5", [md5(n) for n in range(5)], [1, 2, 3, 4, 5])
    assert index.remove("md5", md5(2), 3) is True
    assert index.remove("md5", md5(2), 3) is False
    assert index.lookup("md5", md5(2)) == ()
    assert index.lookup_many("md5", [md5(2), md5(3)]) == [(), (4,)]
    assert index.count("md5") == 4
    index.add("md5", md5(2), 3)  # revives the removed base row
    assert index.lookup("md5", md5(2)) == (3,)
    assert index.count("md5") == 5


def test_compaction_keeps_results() -> None:
    index = ExactIndex(compact_after=2)
    bulk(index, "md5", [md5(n) for n in range(10)], list(range(10)))
    for n in range(10, 20):
        index.add("md5", md5(n), n)
    for n in range(0, 20, 3):
        index.remove("md5", md5(n))
    expected = [() if n % 3 == 0 else (n,) for n in range(20)]
    assert [index.lookup("md5", md5(n)) for n in range(20)] == expected
    assert index.lookup_many("md5", [md5(n) for n in range(20)]) == expected
    index.compact()
    assert index.lookup_many("md5", [md5(n) for n in range(20)]) == expected
    assert index.count("md5") == 13


def test_skewed_digests_in_one_bucket() -> None:
    # Not hash-like: 40 digests with the same first 12 bytes share one directory bucket, which
    # lookup_many bisects instead of scanning.
    values = [f"{'0' * 24}{n:08x}" for n in range(0, 400, 10)]
    index = ExactIndex()
    bulk(index, "md5", [*values, values[7]], [*range(40), 99])
    queries = [f"{'0' * 24}{n:08x}" for n in range(0, 400, 5)]
    expected = [
        ((n // 10, 99) if n == 70 else (n // 10,)) if n % 10 == 0 else () for n in range(0, 400, 5)
    ]
    assert index.lookup_many("md5", queries) == expected
    assert [index.lookup("md5", v) for v in queries] == expected


def test_md5_and_sha256_widths_are_separate() -> None:
    index = ExactIndex()
    index.add("md5", md5(1), 1)
    index.add("sha256", sha256(1), 2)
    index.add("sha256", md5(1) + md5(1), 3)  # an md5 digest's bytes inside a sha256 value
    assert index.lookup("sha256", sha256(1)) == (2,)
    assert index.lookup("sha256", md5(1) + md5(1)) == (3,)
    assert index.lookup("md5", md5(1)) == (1,)
    assert index.lookup_many("sha256", [sha256(1), sha256(2)]) == [(2,), ()]
    with pytest.raises(SignalFormatError):
        index.lookup("md5", sha256(1))
    with pytest.raises(SignalFormatError):
        index.lookup("sha256", md5(1))
    with pytest.raises(ValueError, match="16 bytes"):
        index.add_many("md5", as_array([sha256(1)]), np.array([1], dtype=np.int64))
    assert index.signal_types() == ["md5", "sha256"]
    assert len(index) == 3


def test_other_widths_learned_or_declared() -> None:
    sha1 = hashlib.sha1(b"x").hexdigest()  # 20 bytes: not a whole number of 64-bit words
    index = ExactIndex(widths={"crc32": 4})
    index.add("sha1", sha1, 1)
    bulk(index, "sha1", [hashlib.sha1(b"y").hexdigest()], [2])
    assert index.lookup("sha1", sha1) == (1,)
    assert index.lookup_many("sha1", [sha1, hashlib.sha1(b"y").hexdigest()]) == [(1,), (2,)]
    with pytest.raises(SignalFormatError):
        index.lookup("sha1", md5(1))
    with pytest.raises(SignalFormatError):
        index.lookup("crc32", md5(1))  # width declared: checked even with no entries
    index.add("crc32", "deadbeef", 9)
    assert index.lookup("crc32", "DEADBEEF") == (9,)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "zz" * 16,
        md5(1)[:-1],
        md5(1) + "0",
        " " + md5(1)[1:],
        md5(1)[:-1] + "\n",
        "0x" + md5(1)[2:],
        "-" + md5(1)[1:],
        md5(1)[:8] + "_" + md5(1)[9:],
        "aa " * 10 + "aa",  # bytes.fromhex skips whitespace between pairs
        "é" * 32,
    ],
)
def test_malformed_hex_raises_signal_format_error(bad: str) -> None:
    index = ExactIndex()
    index.add("md5", md5(1), 1)
    bulk(index, "md5", [md5(2)], [2])
    calls = [
        lambda: index.add("md5", bad, 3),
        lambda: index.lookup("md5", bad),
        lambda: index.remove("md5", bad),
        lambda: ExactIndex().lookup("md5", bad),  # no table yet: width still known
    ]
    for call in calls:
        with pytest.raises(SignalFormatError) as err:
            call()
        assert err.value.field == "signal_str"
    with pytest.raises(SignalFormatError, match="at position 1") as err:
        index.lookup_many("md5", [md5(1), bad, md5(2)])
    assert err.value.field == "signal_str"


def test_uppercase_hex_is_the_same_digest() -> None:
    index = ExactIndex()
    index.add("md5", md5(1).upper(), 1)
    assert index.lookup("md5", md5(1)) == (1,)
    assert index.lookup_many("md5", [md5(1).upper()]) == [(1,)]


def test_unknown_type_first_value_must_be_even_hex() -> None:
    index = ExactIndex()
    for bad in ["abc", "", "zz"]:
        with pytest.raises(SignalFormatError):
            index.add("custom", bad, 1)
    assert index.count("custom") == 0


@pytest.mark.parametrize("ref", [-1, 2**63, True, 1.0])
def test_bad_refs_are_rejected(ref: object) -> None:
    with pytest.raises(ValueError, match="ref"):
        ExactIndex().add("md5", md5(1), ref)  # type: ignore[arg-type]


def test_add_many_validates_arrays() -> None:
    index = ExactIndex()
    digests = as_array([md5(1), md5(2)])
    with pytest.raises(ValueError, match="uint8"):
        index.add_many("md5", digests.astype(np.int16), np.array([1, 2]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="refs"):
        index.add_many("md5", digests, np.array([1]))
    with pytest.raises(ValueError, match="refs"):
        index.add_many("md5", digests, np.array([1, -2]))
    index.add_many("md5", digests[:0], np.array([], dtype=np.int64))
    assert len(index) == 0


def test_staged_bulk_chunks_merge_once_and_threads_agree() -> None:
    index = ExactIndex()
    values = [md5(n) for n in range(2000)]
    for start in range(0, 2000, 500):
        bulk(index, "md5", values[start : start + 500], list(range(start, start + 500)))
    results: list[list[tuple[int, ...]]] = []

    def read() -> None:
        results.append([index.lookup("md5", v) for v in values[::97]])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = [(n,) for n in range(0, 2000, 97)]
    assert results == [expected] * 4
    assert index.count("md5") == 2000


def test_snapshot_round_trip(tmp_path: Path) -> None:
    index = ExactIndex()
    bulk(index, "md5", [md5(n) for n in range(50)] + [TWIN_A, TWIN_B], [*range(50), 60, 61])
    index.add("md5", md5(1), 99)  # overlay
    index.remove("md5", md5(2))  # tombstone
    index.add("sha256", sha256(1), 7)
    index.add("sha1", hashlib.sha1(b"x").hexdigest(), 8)
    path = tmp_path / "exact.snapshot"
    index.save(path)
    index.save(path)  # replacing an existing snapshot
    assert [p.name for p in tmp_path.iterdir()] == ["exact.snapshot"]  # no temp file left
    loaded = ExactIndex.load(path)
    queries = [md5(n) for n in range(52)] + [TWIN_A, TWIN_B]
    assert loaded.lookup_many("md5", queries) == index.lookup_many("md5", queries)
    assert loaded.lookup("md5", md5(1)) == (1, 99)
    assert loaded.lookup("sha256", sha256(1)) == (7,)
    assert loaded.lookup("sha1", hashlib.sha1(b"x").hexdigest()) == (8,)
    assert len(loaded) == len(index) == 54
    with zipfile.ZipFile(path) as zf:  # plain JSON plus .npy members: nothing pickled
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["version"] == 1
    for member in (t["member"] for t in manifest["tables"]):
        with np.load(path, allow_pickle=False) as npz:
            assert npz[member.removesuffix(".npy")].dtype == np.dtype("<u8")


def test_empty_snapshot_round_trip(tmp_path: Path) -> None:
    ExactIndex().save(tmp_path / "empty")
    assert len(ExactIndex.load(tmp_path / "empty")) == 0


def _rewrite(path: Path, manifest: dict[str, object] | None, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        if manifest is not None:
            zf.writestr("manifest.json", json.dumps(manifest))
        for name, array in arrays.items():
            with zf.open(name, "w") as fh:
                np.lib.format.write_array(fh, array)


def _saved(tmp_path: Path) -> Path:
    index = ExactIndex()
    bulk(index, "md5", [md5(n) for n in range(100)], list(range(100)))
    path = tmp_path / "snap"
    index.save(path)
    return path


def _manifest(n: int = 100, **extra: object) -> dict[str, object]:
    table = {"signal_type": "md5", "nbytes": 16, "rows": n, "member": "t0.npy", **extra}
    return {"format": "ombuds.exact-index", "version": 1, "tables": [table]}


def _rows(n: int = 100) -> np.ndarray:
    rows = np.zeros((n, 3), dtype="<u8")
    rows[:, 0] = np.arange(n)
    return rows


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "corrupt"),
        ("flip", "corrupt"),
        ("garbage", "corrupt"),
        ("missing", "does not exist"),
        ("no-manifest", "no manifest"),
        ("bad-json", "not JSON"),
        ("version", "format version 2"),
        ("shape", "manifest says"),
        ("unsorted", "not sorted"),
        ("dtype", "manifest says"),
        ("ref-range", "out of range"),
        ("bad-entry", "malformed manifest"),
        ("width-conflict", "Ombuds expects 16"),
        ("pickled", "corrupt"),
    ],
)
def test_unusable_snapshot_raises_config_error(tmp_path: Path, damage: str, message: str) -> None:
    path = _saved(tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF  # inside the array member: caught by its CRC
        path.write_bytes(bytes(flipped))
    elif damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    elif damage == "missing":
        path.unlink()
    elif damage == "no-manifest":
        _rewrite(path, None, {"t0.npy": _rows()})
    elif damage == "bad-json":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", "{not json")
    elif damage == "version":
        _rewrite(path, {**_manifest(), "version": 2}, {"t0.npy": _rows()})
    elif damage == "shape":
        _rewrite(path, _manifest(n=99), {"t0.npy": _rows()})
    elif damage == "unsorted":
        _rewrite(path, _manifest(), {"t0.npy": _rows()[::-1].copy()})
    elif damage == "dtype":
        _rewrite(path, _manifest(), {"t0.npy": _rows().astype("<i8")})
    elif damage == "ref-range":
        rows = _rows()
        rows[0, 2] = 2**63
        _rewrite(path, _manifest(), {"t0.npy": rows})
    elif damage == "bad-entry":
        _rewrite(path, _manifest(nbytes="16"), {"t0.npy": _rows()})
    elif damage == "width-conflict":
        rows = np.zeros((1, 5), dtype="<u8")
        _rewrite(path, _manifest(n=1, nbytes=32, signal_type="md5"), {"t0.npy": rows})
    elif damage == "pickled":
        _rewrite(path, _manifest(n=1), {"t0.npy": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ConfigError, match=message) as err:
        ExactIndex.load(path)
    assert err.value.file == str(path)
    assert str(path) in str(err.value)


# -- properties against a dict model --------------------------------------------------------

digest = st.sampled_from(POOL)
ref = st.integers(min_value=0, max_value=5)


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(st.tuples(digest, ref), max_size=20),
    incremental=st.lists(st.tuples(digest, ref), max_size=8),
    queries=st.lists(digest, max_size=12),
)
def test_lookup_many_equals_repeated_lookup(
    entries: list[tuple[str, int]], incremental: list[tuple[str, int]], queries: list[str]
) -> None:
    index = ExactIndex()
    if entries:
        bulk(index, "md5", [d for d, _ in entries], [r for _, r in entries])
    for d, r in incremental:
        index.add("md5", d, r)
    model: dict[str, set[int]] = {}
    for d, r in entries + incremental:
        model.setdefault(d, set()).add(r)
    expected = [tuple(sorted(model.get(q, ()))) for q in queries]
    assert index.lookup_many("md5", queries) == expected
    assert [index.lookup("md5", q) for q in queries] == expected


class ExactIndexMachine(RuleBasedStateMachine):
    """Random interleavings of every write against a dict of sets; a tiny compact_after
    makes merges happen often."""

    def __init__(self) -> None:
        super().__init__()
        self.index = ExactIndex(compact_after=3)
        self.model: dict[str, set[int]] = {}

    @rule(d=digest, r=ref)
    def add(self, d: str, r: int) -> None:
        self.index.add("md5", d, r)
        self.model.setdefault(d, set()).add(r)

    @rule(batch=st.lists(st.tuples(digest, ref), min_size=1, max_size=6))
    def add_many(self, batch: list[tuple[str, int]]) -> None:
        bulk(self.index, "md5", [d for d, _ in batch], [r for _, r in batch])
        for d, r in batch:
            self.model.setdefault(d, set()).add(r)

    @rule(d=digest, r=st.none() | ref)
    def remove(self, d: str, r: int | None) -> None:
        present = self.model.get(d, set())
        expected = bool(present) if r is None else r in present
        assert self.index.remove("md5", d, r) is expected
        if r is None:
            present.clear()
        else:
            present.discard(r)

    @rule()
    def compact(self) -> None:
        self.index.compact()

    @precondition(lambda self: sum(map(len, self.model.values())) < 12)
    @rule()
    def save_and_load(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            self.index.save(Path(tmp) / "snap")
            self.index = ExactIndex.load(Path(tmp) / "snap", compact_after=3)

    @invariant()
    def lookups_match_model(self) -> None:
        expected = [tuple(sorted(self.model.get(d, ()))) for d in POOL]
        assert [self.index.lookup("md5", d) for d in POOL] == expected
        assert self.index.lookup_many("md5", POOL) == expected
        assert len(self.index) == sum(map(len, self.model.values()))


TestExactIndexMachine = ExactIndexMachine.TestCase
TestExactIndexMachine.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
