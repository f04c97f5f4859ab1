"""MinHash signal type: the conformance kit, a pinned construction, and near-duplicates."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombuds.domain import Content, ContentKind
from ombuds.errors import SignalFormatError
from ombuds.extraction.documents import Cause, UnscannableError
from ombuds.matching.signals import IndexKind, SignalTypeRegistry
from ombuds.matching.signals.minhash import (
    HEX_CHARS,
    MinHashSignal,
    fingerprint_text,
    from_hex,
    jaccard,
    shingles,
    to_hex,
)
from ombuds.matching.text import normalize
from ombuds.testing import documents as s
from ombuds.testing.signal_types import check_signal_type

MINHASH = MinHashSignal()
BODY = s.paragraphs(11, 8, words_each=80)  # ~640 words over 4 "pages" of 2 paragraphs
PAGES = ["Annual Report 2024\nPrepared by the records office"] + [
    "\n".join(BODY[i : i + 2]) for i in range(0, 8, 2)
]


def _file(data: bytes, name: str = "doc") -> Content:
    return Content(name, ContentKind.FILE, data=data)


def _value(data: bytes) -> str:
    signal = MINHASH.compute(_file(data))
    assert signal is not None
    return signal.value


def test_passes_the_signal_type_kit() -> None:
    samples = [
        _file(s.make_pdf(PAGES)),
        _file(s.make_docx(PAGES)),
        _file(s.make_html(PAGES)),
        _file("\n".join(PAGES).encode()),
        _file(b"too short"),
    ]
    check_signal_type(MINHASH, samples)


def test_declaration_and_registration() -> None:
    assert MINHASH.index_kind is IndexKind.TEXT and not MINHASH.inline
    assert MINHASH.content_kinds == frozenset({ContentKind.FILE})
    registry = SignalTypeRegistry()
    registry.register(MinHashSignal)
    assert registry.get("minhash").name == "minhash"


def _reference_minhash(text: str) -> str:
    """The documented construction in plain Python, without datasketch."""
    import re

    tokens = re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]|[^\W\u3040-\u30ff\u4e00-\u9fff]+", text)
    grams = {"\x1f".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)}
    mask = 0xFFFFFFFF

    def fmix32(h: int) -> int:
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & mask
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & mask
        return h ^ (h >> 16)

    def param(tag: str, i: int) -> int:
        return int.from_bytes(hashlib.sha256(f"ombuds-minhash-v1:{tag}:{i}".encode()).digest()[:4])

    hashes = [
        fmix32(int.from_bytes(hashlib.blake2b(g, digest_size=4).digest(), "little")) for g in grams
    ]
    minima = []
    for i in range(128):
        a, b = param("a", i) | 1, param("b", i)
        minima.append(min((a * h + b) & mask for h in hashes))
    return "".join(f"{m:08x}" for m in minima)


def test_construction_is_pinned() -> None:
    # Signatures are stored in banks and exchanged: any change to normalization, tokens,
    # shingles, hashing or permutations (a datasketch release included) fails here, and
    # needs a new signal type name.
    text = "The quick brown fox jumps over the lazy dog, again and again, 1-2-3."
    value = fingerprint_text(text)
    assert value is not None and len(value) == HEX_CHARS
    assert value == _reference_minhash(normalize(text))
    assert value[:32] == "0028cb7501cc984504a0f8ff333a3df4"
    assert hashlib.sha256(value.encode()).hexdigest()[:16] == "f996cc3ae6143720"


def test_parse_canonicalises_and_rejects() -> None:
    value = _value(s.make_pdf(PAGES))
    assert MINHASH.parse(f"  {value.upper()}\n") == value
    for bad in (value[:-1], value + "0", value[:-1] + "g", "0x" + value[2:]):
        with pytest.raises(SignalFormatError) as err:
            MINHASH.parse(bad)
        assert err.value.field == "signal_str"


def test_same_text_in_every_format_is_one_signature() -> None:
    values = {
        _value(s.make_pdf(PAGES)),
        _value(s.make_pdf(PAGES, compress=True)),
        _value(s.make_docx(PAGES)),
        _value(s.make_html(PAGES, title="")),
        _value("\n\n".join(PAGES).encode("utf-16")),
    }
    assert len(values) == 1


def test_near_duplicates_and_unrelated() -> None:
    banked = _value(s.make_pdf(PAGES))
    edited_words = [p.replace(" ", " changed ", 1) for p in BODY[:3]] + BODY[3:]
    small_edit = [PAGES[0]] + ["\n".join(edited_words[i : i + 2]) for i in range(0, 8, 2)]
    new_title = ["Leaked copy, do not share\nForwarded three times", *PAGES[1:]]
    unrelated = ["\n".join(s.paragraphs(99, 8, words_each=80))]
    assert jaccard(banked, _value(s.make_docx(small_edit))) >= 0.8
    assert jaccard(banked, _value(s.make_html(new_title))) >= 0.8
    assert jaccard(banked, _value(s.make_pdf(unrelated))) < 0.1


def test_cjk_text_is_shingled_by_character() -> None:
    text = "我们今天讨论的是城市交通问题，以及公共汽车线路的调整方案。" * 3
    assert {"我\x1f们\x1f今".encode(), "们\x1f今\x1f天".encode()} <= shingles(normalize(text))
    edited = text.replace("公共汽车", "地铁", 1)
    a, b = fingerprint_text(text), fingerprint_text(edited)
    assert a is not None and b is not None and jaccard(a, b) >= 0.7
    mixed = shingles(normalize("Report 报告 on roads"))
    assert "report\x1f报\x1f告".encode() in mixed


def test_no_signal_for_short_text_images_and_chat() -> None:
    assert MINHASH.compute(_file(b"a few words only")) is None
    assert MINHASH.compute(_file(b"\x89PNG\r\n\x1a\n" + bytes(100))) is None
    assert MINHASH.compute(_file(b"<svg><text>x</text></svg>")) is None
    assert MINHASH.compute(Content.of_text("t", " ".join(BODY))) is None
    assert fingerprint_text("-" * 100) is None


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (s.encrypt_pdf(s.make_pdf(PAGES), user_password="pw"), Cause.ENCRYPTED),
        (s.make_pdf(PAGES)[:400], Cause.CORRUPT),
        (s.zip_bomb_docx(3), Cause.TOO_LARGE),
    ],
)
def test_unreadable_documents_raise(data: bytes, cause: Cause) -> None:
    with pytest.raises(UnscannableError) as err:
        MINHASH.compute(_file(data))
    assert err.value.cause == cause


_SIGNATURES = st.binary(min_size=512, max_size=512)


@settings(max_examples=200)
@given(_SIGNATURES, _SIGNATURES)
def test_jaccard_properties(a_bytes: bytes, b_bytes: bytes) -> None:
    a, b = a_bytes.hex(), b_bytes.hex()
    assert jaccard(a, a) == 1.0
    assert jaccard(a, b) == jaccard(b, a)
    assert 0.0 <= jaccard(a, b) <= 1.0
    assert jaccard(a.upper(), b) == jaccard(a, b)
    assert to_hex(from_hex(a)) == a


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=60, max_size=400))
def test_fingerprint_is_deterministic_and_canonical(text: str) -> None:
    value = fingerprint_text(text)
    if value is not None:
        assert value == fingerprint_text(text) == MINHASH.parse(value)
        assert fingerprint_text(normalize(text)) == value
