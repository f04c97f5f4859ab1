"""Hostile and broken input: each is UnscannableError with a sensible cause, quickly."""

from __future__ import annotations

import random
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombuds.extraction.documents import (
    Cause,
    DocumentLimits,
    DocumentText,
    UnscannableError,
    extract_text,
)
from ombuds.testing import documents as s

_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00"
    b":~\x9bU\x00\x00\x00\nIDATx\x9cc\x00\x00\x00\x02\x00\x01\xe5'\xde\xfc\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)
_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="15">I am text</text></svg>'


def _cause(data: bytes, limits: DocumentLimits | None = None) -> str:
    started = time.perf_counter()
    with pytest.raises(UnscannableError) as err:
        extract_text(data, limits=limits or DocumentLimits())
    assert time.perf_counter() - started < 2.0
    assert err.value.field == "data" and str(err.value)
    return err.value.cause


def _outcome(data: bytes) -> tuple[DocumentText | None, str]:
    try:
        return extract_text(data, limits=DocumentLimits(time_budget_s=5)), ""
    except UnscannableError as exc:
        return None, exc.cause


@pytest.mark.parametrize(
    ("name", "data", "cause"),
    [
        ("empty", b"", Cause.NOT_A_DOCUMENT),
        ("random bytes", random.Random(7).randbytes(4096), Cause.NOT_A_DOCUMENT),
        ("PNG renamed .pdf", _PNG, Cause.NOT_A_DOCUMENT),
        ("JPEG header", b"\xff\xd8\xff\xe0" + bytes(64), Cause.NOT_A_DOCUMENT),
        ("SVG", _SVG, Cause.NOT_A_DOCUMENT),
        (
            "SVG with XML declaration",
            b'<?xml version="1.0"?>\n<!-- c -->\n' + _SVG,
            Cause.NOT_A_DOCUMENT,
        ),
        (
            "SVG doctype",
            b"<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN'>" + _SVG,
            Cause.NOT_A_DOCUMENT,
        ),
        ("gzip", zlib.compress(b"x" * 1000)[:2] + bytes(200), Cause.NOT_A_DOCUMENT),
        ("legacy .doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), Cause.NOT_A_DOCUMENT),
        (
            "password-protected .docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + bytes(64)
            + "EncryptedPackage".encode("utf-16-le"),
            Cause.ENCRYPTED,
        ),
        ("truncated PDF", s.make_pdf(["some text here"])[:150], Cause.CORRUPT),
        ("PDF header only", b"%PDF-1.7\n", Cause.CORRUPT),
        ("truncated DOCX", s.make_docx(["some text"])[:3000], Cause.CORRUPT),
        ("DOCX with sizes that lie", s.lying_sizes_docx(), Cause.CORRUPT),
        ("zip bomb DOCX (3 GiB declared)", s.zip_bomb_docx(3), Cause.TOO_LARGE),
    ],
)
def test_bad_input(name: str, data: bytes, cause: Cause) -> None:
    assert _cause(data) == cause, name


def test_encrypted_pdf() -> None:
    data = s.encrypt_pdf(s.make_pdf(["secret text"]), user_password="hunter2")
    assert _cause(data) == Cause.ENCRYPTED


def test_genuine_high_ratio_member_is_refused_before_inflating() -> None:
    # 64 MiB of zeros in ~64 KB: under the size limit, over the ratio limit.
    assert _cause(s.zip_bomb_docx(1), DocumentLimits(max_zip_bytes=2 << 30)) == Cause.TOO_LARGE


def test_too_many_bytes() -> None:
    assert _cause(b"x" * 2000, DocumentLimits(max_bytes=1000)) == Cause.TOO_LARGE


def test_pdf_page_tree_cycle_is_corrupt() -> None:
    data = s.make_pdf(["a", "b"]).replace(b"/Kids [4 0 R 6 0 R]", b"/Kids [4 0 R 2 0 R]")
    assert _cause(data) == Cause.CORRUPT


def test_hundred_thousand_pages_are_truncated_in_bounded_time() -> None:
    data = s.make_many_pages_pdf(100_000, fanout=1_000, text="same page")
    started = time.perf_counter()
    doc = extract_text(data)
    assert time.perf_counter() - started < 5.0
    assert doc.truncated and doc.pages == DocumentLimits().max_pages


@pytest.mark.slow
def test_hundred_thousand_pages_in_one_kids_array() -> None:
    data = s.make_many_pages_pdf(100_000, fanout=100_000)
    started = time.perf_counter()
    doc, cause = _outcome(data)
    # pypdf's own array limit may refuse the /Kids array; otherwise the pages are cut short.
    assert cause == Cause.TOO_LARGE if doc is None else doc.truncated
    assert time.perf_counter() - started < 5.0


_SEEDS = [s.make_pdf(["fuzz me please"], compress=True), s.minimal_docx("fuzz"), s.make_html(["x"])]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    cut=st.integers(min_value=0, max_value=4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=8),
)
def test_mutated_documents_never_crash(seed: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(seed[: max(1, cut)])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    doc, cause = _outcome(bytes(data))
    assert cause in set(Cause) if doc is None else isinstance(doc.text, str)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    doc, cause = _outcome(data)
    assert doc is not None or cause in set(Cause)
