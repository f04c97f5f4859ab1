"""PDQ conformance against Meta's reference images, dihedral matching, EXIF, bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ombuds.domain import Content, ContentKind
from ombuds.errors import SignalFormatError
from ombuds.extraction.images import UnscannableError
from ombuds.matching.signals import IndexKind, SignalTypeRegistry
from ombuds.matching.signals.pdq import (
    DEFAULT_THRESHOLD,
    DIHEDRAL_TRANSFORMS,
    QUALITY_FLOOR,
    PDQSignal,
    hamming,
)
from ombuds.testing.signal_types import check_signal_type

# shared/ sits beside the repository root, in a checkout and in CI.
DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "pdq"
PORTABILITY_BITS = 10  # Meta's rule: the same image hashes within 10 bits anywhere

FAST = PDQSignal()
REFERENCE = PDQSignal(full_resolution=True)


def _rows() -> list[dict[str, str]]:
    if not (DATA / "expected.csv").is_file():
        return []
    with (DATA / "expected.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()
needs_data = pytest.mark.skipif(
    not ROWS, reason=f"PDQ reference images not found at {DATA} (shared/ beside the repo)"
)
# One parameter set even without data, so the skip reason shows instead of an empty set.
ROW_PARAMS = [pytest.param(row, id=row["path"]) for row in ROWS] or [
    pytest.param(None, id="no-data", marks=needs_data)
]


def _image(data: bytes, content_id: str = "img") -> Content:
    return Content(content_id, ContentKind.IMAGE, data=data)


def _file(relative: str) -> Content:
    return _image((DATA / relative).read_bytes(), relative)


def _photo(seed: int, width: int = 320, height: int = 240) -> Image.Image:
    """Photo-like test picture: smooth gradients, solid shapes, sensor-like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, 6, 3)
    waves = [np.sin(x / width * (2 + c) + phase[c]) * np.cos(y / height * 3) for c in (0, 1, 2)]
    pixels = 128 + 70 * np.stack(waves, axis=-1)
    for _ in range(24):  # PDQ's quality score rewards edges: give it plenty
        w, h = rng.integers(width // 16, width // 3), rng.integers(height // 16, height // 3)
        x0, y0 = rng.integers(0, width - w), rng.integers(0, height - h)
        pixels[y0 : y0 + h, x0 : x0 + w] = rng.integers(0, 256, 3)
    pixels += rng.normal(0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _save(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


# ---- Meta's reference images ------------------------------------------------------------------


@pytest.mark.parametrize("row", ROW_PARAMS)
def test_reference_mode_matches_expected_csv(row: dict[str, str]) -> None:
    """Full-resolution hashing reproduces Meta's hashes: bit-exact where the CSV says so."""
    signal = REFERENCE.compute(_file(row["path"]))
    if row["rule"] == "no_signal":
        assert signal is None
        return
    assert signal is not None
    if row["rule"] == "exact":
        assert (signal.value, signal.quality) == (row["pdq"], int(row["quality"]))
    else:
        assert row["rule"] == "near10"
        assert hamming(signal.value, row["pdq"]) <= PORTABILITY_BITS
        assert signal.quality is not None
        assert signal.quality >= QUALITY_FLOOR


@pytest.mark.parametrize("row", ROW_PARAMS)
def test_default_mode_stays_within_metas_portability_rule(row: dict[str, str]) -> None:
    """The fast default (reduced-size decode) is within 10 bits of Meta's hash on every row."""
    signal = FAST.compute(_file(row["path"]))
    if row["rule"] == "no_signal":
        assert signal is None
        return
    assert signal is not None
    assert hamming(signal.value, row["pdq"]) <= PORTABILITY_BITS
    assert signal.quality == int(row["quality"])


@needs_data
@pytest.mark.parametrize("signal_type", [FAST, REFERENCE], ids=["fast", "reference"])
def test_every_rotation_and_mirror_matches_with_dihedral_hashing(signal_type: PDQSignal) -> None:
    files = sorted((DATA / "reg-test-input" / "dih").glob("*.jpg"))
    assert len(files) == len(DIHEDRAL_TRANSFORMS)
    original = _file("reg-test-input/dih/bridge-1-original.jpg")
    original_hash = signal_type.compute(original)
    original_dihedral = signal_type.compute_dihedral(original)
    assert original_hash is not None
    assert original_dihedral[0] == original_hash
    missed_without_dihedral = 0
    for path in files:
        query = _image(path.read_bytes(), path.name)
        plain = signal_type.compute(query)
        assert plain is not None
        missed_without_dihedral += hamming(plain.value, original_hash.value) > DEFAULT_THRESHOLD
        # Either side may carry the 8 variants: the query's, or the banked image's.
        query_side = min(
            hamming(s.value, original_hash.value) for s in signal_type.compute_dihedral(query)
        )
        bank_side = min(hamming(s.value, plain.value) for s in original_dihedral)
        assert query_side <= DEFAULT_THRESHOLD, path.name
        assert bank_side <= DEFAULT_THRESHOLD, path.name
    assert missed_without_dihedral == len(files) - 1  # all but the original itself


# ---- EXIF orientation ------------------------------------------------------------------------


@pytest.mark.parametrize("signal_type", [FAST, REFERENCE], ids=["fast", "reference"])
def test_camera_rotated_twin_hashes_alike(signal_type: PDQSignal) -> None:
    upright = _photo(3, 800, 600)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; viewers rotate it 90 degrees clockwise to display
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    plain = signal_type.compute(_image(_save(upright, quality=92)))
    twin = signal_type.compute(_image(_save(sideways, quality=92, exif=exif.tobytes())))
    ignoring_exif = signal_type.compute(_image(_save(sideways, quality=92)))
    assert plain is not None
    assert twin is not None
    assert ignoring_exif is not None
    assert hamming(plain.value, twin.value) <= PORTABILITY_BITS
    assert hamming(plain.value, ignoring_exif.value) > DEFAULT_THRESHOLD


# ---- the signal type contract -----------------------------------------------------------------


def test_passes_the_signal_type_kit() -> None:
    samples = [
        _image(_save(_photo(1)), "jpeg"),
        _image(_save(_photo(2), "PNG"), "png"),
        _image(_save(Image.new("RGB", (64, 64), (90, 90, 90)), "PNG"), "flat"),  # no signal
    ]
    check_signal_type(PDQSignal(), samples)
    check_signal_type(PDQSignal(full_resolution=True), samples)


def test_declaration() -> None:
    assert PDQSignal.name == "pdq"
    assert PDQSignal.index_kind is IndexKind.PERCEPTUAL
    assert PDQSignal.content_kinds == frozenset({ContentKind.IMAGE})
    assert PDQSignal.inline is False
    assert DEFAULT_THRESHOLD == 31


def test_registers_like_any_signal_type() -> None:
    registry = SignalTypeRegistry()
    registry.register(PDQSignal)
    assert isinstance(registry.get("pdq"), PDQSignal)


def test_value_is_64_lowercase_hex_with_quality() -> None:
    signal = FAST.compute(_image(_save(_photo(4))))
    assert signal is not None
    assert signal.signal_type == "pdq"
    assert len(signal.value) == 64
    assert signal.value == signal.value.lower()
    assert signal.quality is not None
    assert QUALITY_FLOOR <= signal.quality <= 100


def test_flat_image_has_no_signal() -> None:
    flat = _image(_save(Image.new("RGB", (200, 200), (30, 120, 200)), "PNG"))
    assert FAST.compute(flat) is None
    assert FAST.compute_dihedral(flat) == []


def test_files_and_text_get_no_signal() -> None:
    photo = _save(_photo(5))
    assert FAST.compute(Content("f", ContentKind.FILE, data=photo)) is None
    assert FAST.compute_dihedral(Content.of_text("t", "hello")) == []


def test_dihedral_gives_eight_signals_original_first() -> None:
    content = _image(_save(_photo(6)))
    variants = FAST.compute_dihedral(content)
    assert len(variants) == 8
    assert variants[0] == FAST.compute(content)
    assert len({v.value for v in variants}) == 8


def test_parse() -> None:
    value = "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22"
    assert FAST.parse(f"  {value}\n") == value.lower()
    for bad in (value[:-1], value + "0", "g" * 64, value[:32] + " " + value[33:]):
        with pytest.raises(SignalFormatError, match="64 hex") as info:
            FAST.parse(bad)
        assert info.value.field == "signal_str"


def test_hamming() -> None:
    zero, ones = "0" * 64, "f" * 64
    assert hamming(zero, zero) == 0
    assert hamming(zero, ones) == 256
    assert hamming(zero, "8" + "0" * 63) == 1  # most significant bit first
    assert hamming(ones.upper(), zero) == 256
    a, b = "0123456789abcdef" * 4, "fedcba9876543210" * 4
    assert hamming(a, b) == hamming(b, a) == bin(int(a, 16) ^ int(b, 16)).count("1")


# ---- bad input: unscannable, never a crash and never "no match" --------------------------------


def _truncated_jpeg() -> bytes:
    data = _save(_photo(7))
    return data[: len(data) // 2]


def _png_bomb() -> bytes:
    # A solid 8,000 x 6,500 image: ~60 KB of PNG, 52 megapixels (over the 50 MP default) decoded.
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    width, height = 8_000, 6_500
    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (_truncated_jpeg, UnscannableError.CORRUPT),
        (lambda: np.random.default_rng(0).bytes(10_000), UnscannableError.NOT_AN_IMAGE),
        (lambda: b"", UnscannableError.NOT_AN_IMAGE),
        (
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>',
            UnscannableError.NOT_AN_IMAGE,
        ),
        (_png_bomb, UnscannableError.TOO_LARGE),
    ],
    ids=["truncated-jpeg", "random-bytes", "zero-bytes", "svg", "png-bomb"],
)
def test_bad_input_is_unscannable(make: object, cause: str) -> None:
    data = make()  # type: ignore[operator]
    with pytest.raises(UnscannableError) as info:
        FAST.compute(_image(data))
    assert info.value.cause == cause
    with pytest.raises(UnscannableError):
        FAST.compute_dihedral(_image(data))


def test_pixel_limit_is_configurable() -> None:
    data = _save(_photo(8))
    with pytest.raises(UnscannableError, match="over the limit"):
        PDQSignal(max_pixels=320 * 240 - 1).compute(_image(data))
    assert PDQSignal(max_pixels=320 * 240).compute(_image(data)) is not None


def test_animated_gif_hashes_its_first_frame() -> None:
    first, second = _photo(9, 96, 72), _photo(10, 96, 72)
    animated = _save(first, "GIF", save_all=True, append_images=[second], duration=80)
    signal = FAST.compute(_image(animated))
    alone = FAST.compute(_image(_save(first, "GIF")))
    assert signal is not None
    assert alone is not None
    assert signal.value == alone.value
