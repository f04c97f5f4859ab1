"""NearTextIndex: exact near-duplicate lookup, incremental updates, snapshots without pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.domain import Content, ContentKind
from ombuds.errors import ConfigError, SignalFormatError
from ombuds.matching.neartext import NearTextIndex, NearTextMatch
from ombuds.matching.signals.minhash import MinHashSignal, to_hex
from ombuds.testing import documents as s

RNG = np.random.default_rng(20240601)


def _random(n: int) -> np.ndarray:
    return RNG.integers(0, 2**32, size=(n, 128), dtype=np.uint32)


def _mutate(sig: np.ndarray, changed: int, rng: np.random.Generator = RNG) -> np.ndarray:
    out = sig.copy()
    positions = rng.choice(128, size=changed, replace=False)
    out[positions] = rng.integers(0, 2**32, size=changed, dtype=np.uint32)
    return out


def test_add_query_remove() -> None:
    base = _random(1)[0]
    index = NearTextIndex()
    index.add(to_hex(base), 1)
    index.add(to_hex(_mutate(base, 10)), 2)  # 118/128 equal
    index.add(to_hex(_mutate(base, 40)), 3)  # 88/128 equal
    index.add(to_hex(_random(1)[0]), 4)
    got = index.query(to_hex(base))
    assert got == [NearTextMatch(1, 1.0), NearTextMatch(2, 118 / 128)]
    assert got[0].ref == 1 and tuple(got[1]) == (2, 118 / 128)
    assert [m.ref for m in index.query(to_hex(base), threshold=0.6)] == [1, 2, 3]
    assert index.remove(2) and not index.remove(2)
    assert [m.ref for m in index.query(to_hex(base))] == [1]
    assert len(index) == 3 and 1 in index and 2 not in index


def test_re_adding_a_ref_replaces_it() -> None:
    a, b = _random(2)
    index = NearTextIndex()
    index.add(to_hex(a), 7)
    index.add(to_hex(b), 7)
    assert index.query(to_hex(a)) == [] and index.query(to_hex(b)) == [NearTextMatch(7, 1.0)]
    index.add_many([to_hex(a), to_hex(b)], [8, 8])
    assert index.query(to_hex(b)) == [NearTextMatch(7, 1.0), NearTextMatch(8, 1.0)]
    assert len(index) == 2


def test_input_validation() -> None:
    index = NearTextIndex()
    with pytest.raises(SignalFormatError):
        index.add("zz", 1)
    with pytest.raises(ValueError, match="threshold"):
        index.query(to_hex(_random(1)[0]), threshold=1.5)
    with pytest.raises(ValueError, match="as many"):
        index.add_many([to_hex(_random(1)[0])], [1, 2])
    with pytest.raises(ValueError, match="bands"):
        NearTextIndex(bands=30)
    assert index.query(to_hex(_random(1)[0]), threshold=0.0) == []


def test_tail_folding_and_compaction_keep_results() -> None:
    sigs = _random(3000)
    index = NearTextIndex(tail_limit=64)
    for start in range(0, 3000, 100):  # many folds of the tail into the table
        index.add_signatures(sigs[start : start + 100], np.arange(start, start + 100))
    for ref in range(0, 3000, 2):
        index.remove(ref)  # past half removed: compaction
    assert len(index) == 1500
    for ref in (1, 999, 2999):
        assert index.query(to_hex(sigs[ref])) == [NearTextMatch(ref, 1.0)]
    assert index.query(to_hex(sigs[1000])) == []


def test_replacing_a_ref_again_and_again_stays_small() -> None:
    sigs = _random(3000)
    index = NearTextIndex()
    for sig in sigs:
        index.add(to_hex(sig), 1)
    assert len(index) == 1 and index._n <= 1100
    assert index.query(to_hex(sigs[-1])) == [NearTextMatch(1, 1.0)]
    assert index.query(to_hex(sigs[0])) == []


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    changes=st.lists(st.integers(0, 128), min_size=1, max_size=60),
    removed=st.sets(st.integers(0, 59), max_size=20),
    threshold=st.sampled_from([0.0, 0.3, 0.5, 0.7, 0.75, 0.7578125, 0.8, 0.9, 0.99, 1.0]),
    tail_limit=st.sampled_from([1, 8, 4096]),
)
def test_query_equals_brute_force(
    seed: int, changes: list[int], removed: set[int], threshold: float, tail_limit: int
) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**32, size=128, dtype=np.uint32)
    index = NearTextIndex(tail_limit=tail_limit)
    for ref, changed in enumerate(changes):
        index.add(to_hex(_mutate(base, changed, rng)), ref)
    for ref in removed:
        index.remove(ref)
    query = to_hex(_mutate(base, int(rng.integers(0, 20)), rng))
    got = index.query(query, threshold)
    assert got == index.brute_force(query, threshold)
    stored = {ref: index.signature(ref) for ref in range(len(changes)) if ref in index}
    expected = sorted(
        (
            (ref, float(np.count_nonzero(sig == np.frombuffer(bytes.fromhex(query), ">u4"))) / 128)
            for ref, sig in stored.items()
            if sig is not None
        ),
        key=lambda m: (-m[1], m[0]),
    )
    assert [tuple(m) for m in got] == [m for m in expected if m[1] >= threshold - 1e-12]


def test_snapshot_round_trip_without_pickle(tmp_path: Path) -> None:
    sigs = _random(500)
    index = NearTextIndex()
    index.add_signatures(sigs, np.arange(500) * 3)
    index.remove(3)
    index.save(tmp_path / "snap")
    index.save(tmp_path / "snap")  # a second save replaces the first generation
    files = sorted(p.name for p in (tmp_path / "snap").iterdir())
    assert len(files) == 3 and files[0] == "manifest.json"
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["count"] == 499 and manifest["format"] == "ombuds-neartext-index"
    loaded = NearTextIndex.load(tmp_path / "snap")
    assert len(loaded) == 499 and 3 not in loaded
    for ref in (0, 6, 1497):
        assert loaded.query(to_hex(sigs[ref // 3])) == [NearTextMatch(ref, 1.0)]


def test_damaged_snapshots_are_refused(tmp_path: Path) -> None:
    index = NearTextIndex()
    index.add_signatures(_random(10), np.arange(10))
    folder = tmp_path / "snap"
    with pytest.raises(ConfigError, match="no manifest"):
        NearTextIndex.load(folder)
    index.save(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    sig_file = folder / manifest["files"]["signatures"]["name"]
    data = bytearray(sig_file.read_bytes())
    data[-1] ^= 0xFF
    sig_file.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="SHA-256"):
        NearTextIndex.load(folder)
    index.save(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["signatures"]["name"] = "../elsewhere.npy"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match="outside"):
        NearTextIndex.load(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigError, match="JSON"):
        NearTextIndex.load(folder)


def test_banked_document_matches_edits_resaves_and_new_title_page() -> None:
    signal_type = MinHashSignal()

    def value(data: bytes) -> str:
        signal = signal_type.compute(Content("d", ContentKind.FILE, data=data))
        assert signal is not None
        return signal.value

    body = s.paragraphs(5, 8, words_each=80)
    pages = ["Internal memo\nFor the board"] + ["\n".join(body[i : i + 2]) for i in range(0, 8, 2)]
    index = NearTextIndex()
    index.add(value(s.make_pdf(pages)), 1)
    for seed in range(2, 12):  # unrelated documents in the bank
        other = s.paragraphs(seed * 7, 8, words_each=80)
        index.add(value(s.make_docx(other)), seed)

    edited = [p.replace(" ", " inserted ", 1) for p in body]
    small_edits = [pages[0]] + ["\n".join(edited[i : i + 2]) for i in range(0, 8, 2)]
    new_title = ["Copy 2 of 7, received by email\nconfidential", *pages[1:]]
    for variant in (
        s.make_docx(small_edits),
        s.make_html(pages, title="resaved"),
        s.make_pdf(pages, compress=True),
        s.make_docx(new_title),
    ):
        assert [m.ref for m in index.query(value(variant))] == [1]
    unrelated = s.paragraphs(1234, 8, words_each=80)
    assert index.query(value(s.make_pdf(["\n".join(unrelated)]))) == []
