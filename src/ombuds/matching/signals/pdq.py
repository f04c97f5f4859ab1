"""PDQ: Meta's 256-bit perceptual image hash, compared by Hamming distance.

Values are 64 lowercase hex characters, most significant bit first: the same string Meta's
reference implementation, ThreatExchange and HMA print, so banks exchange hashes with them.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from ombuds.domain import Content, ContentKind, Signal
from ombuds.errors import MissingExtraError, SignalFormatError
from ombuds.extraction.images import DEFAULT_MAX_PIXELS, Downscale, decode_image
from ombuds.matching.signals.base import IndexKind, SignalType

if TYPE_CHECKING:
    import numpy.typing as npt
    from PIL import Image

# Hamming distance at or below which two PDQ hashes match (Meta's recommended default).
DEFAULT_THRESHOLD = 31
# Below this quality the hash describes noise or a flat image; Meta recommends discarding it.
QUALITY_FLOOR = 50
HEX_CHARS = 64

# The resolution PDQ is computed at by default: JPEGs decoded by libjpeg at 1/2..1/8 scale with
# the shorter side kept >= 384 px, other formats box-reduced with it kept >= 1024 px. PDQ blurs
# the image down to 64x64 anyway; measured against full-size hashing this stays within Meta's
# 10-bit portability rule on every reference image and is 4-5x faster (docs/benchmarks.md).
HASH_DOWNSCALE = Downscale(jpeg_min_side=384, min_side=1024)

# pdqhash.compute_dihedral's order of the 8 transforms.
DIHEDRAL_TRANSFORMS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)

_HEX = re.compile(f"[0-9a-f]{{{HEX_CHARS}}}")


def hamming(a_hex: str, b_hex: str) -> int:
    """Bits that differ between two PDQ hex strings (canonical or upper case)."""
    return (int.from_bytes(bytes.fromhex(a_hex)) ^ int.from_bytes(bytes.fromhex(b_hex))).bit_count()


def hash_pixels(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ (hex, quality) of an H x W x 3 uint8 RGB array, via Meta's C++ code in `pdqhash`."""
    bits, quality = _pdqhash().compute(pixels)
    return _to_hex(bits), int(quality)


def hash_pixels_dihedral(pixels: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """The 8 rotation/mirror PDQ hashes (DIHEDRAL_TRANSFORMS order) and their shared quality."""
    all_bits, quality = _pdqhash().compute_dihedral(pixels)
    hashes = [_to_hex(bits) for bits in all_bits]
    if len(hashes) != len(DIHEDRAL_TRANSFORMS):
        raise RuntimeError(f"pdqhash.compute_dihedral returned {len(hashes)} hashes, not 8")
    return hashes, int(quality)


class PDQSignal(SignalType):
    """PDQ of an image's first frame, upright per EXIF, alpha composited onto white.

    `compute` returns None for a hash of quality below QUALITY_FLOOR ("no PDQ signal") and
    for content that is not an image. Bytes that cannot be decoded (not an image, corrupt,
    truncated, over `max_pixels`) raise `ombuds.extraction.images.UnscannableError`, an
    InputError: the `Signal | None` interface has no room for "could not look", and that must
    not read as "looked, found nothing". The deferred tier catches it and decides with reason
    `unscannable`, using `str(error)` as the decision's detail.

    `full_resolution=True` hashes every pixel, as Meta's Python library does: bit-identical
    to ThreatExchange/HMA hashes but ~4x slower on photos and far slower on huge images.
    The default hashes at HASH_DOWNSCALE, within Meta's 10-bit portability tolerance.
    """

    name = "pdq"
    index_kind = IndexKind.PERCEPTUAL
    content_kinds = frozenset({ContentKind.IMAGE})
    inline = False

    def __init__(
        self, *, full_resolution: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> None:
        self.full_resolution = full_resolution
        self.max_pixels = max_pixels

    def compute(self, content: Content) -> Signal | None:
        pixels = self._pixels(content)
        if pixels is None:
            return None
        value, quality = hash_pixels(pixels)
        return Signal(self.name, value, quality) if quality >= QUALITY_FLOOR else None

    def compute_dihedral(self, content: Content) -> list[Signal]:
        """Signals of the 8 rotations and mirror images, or [] where compute gives None.

        One call costs little more than `compute` (the image is blurred once). Hashes differ
        from those of actually rotated files by a few bits: PDQ is not exactly
        rotation-invariant, so match with the usual threshold, not by equality.
        """
        pixels = self._pixels(content)
        if pixels is None:
            return []
        values, quality = hash_pixels_dihedral(pixels)
        if quality < QUALITY_FLOOR:
            return []
        return [Signal(self.name, value, quality) for value in values]

    def parse(self, value: str) -> str:
        canonical = value.strip().lower()
        if not _HEX.fullmatch(canonical):
            raise SignalFormatError(
                f"malformed pdq: expected {HEX_CHARS} hex characters, got {value!r}",
                field="signal_str",
            )
        return canonical

    def decode(self, content: Content) -> Image.Image | None:
        """The RGB image this type hashes, or None for content it does not apply to."""
        if content.data is None or not self.applies_to(content):
            return None
        downscale = None if self.full_resolution else HASH_DOWNSCALE
        return decode_image(content.data, max_pixels=self.max_pixels, downscale=downscale)

    def _pixels(self, content: Content) -> npt.NDArray[np.uint8] | None:
        image = self.decode(content)
        return None if image is None else np.asarray(image)


def _to_hex(bits: object) -> str:
    # pdqhash returns 256 ints (0/1), most significant bit first.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


_module: ModuleType | None = None


def _pdqhash() -> ModuleType:
    # Imported on first use: registering or parsing pdq signals needs no compiled extension.
    # pdqhash has no type information; every value taken from it is converted on the spot.
    global _module
    if _module is None:
        try:
            import pdqhash
        except ImportError as exc:
            raise MissingExtraError("pdqhash", "pdq") from exc
        _module = pdqhash
    return _module
