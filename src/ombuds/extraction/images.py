"""Safe image decoding: untrusted bytes in, an upright RGB Pillow image out, or UnscannableError.

What "safe" means here, and why:

- Only the raster formats `sniff.kind_of` calls images are tried (JPEG and its MPO variant,
  PNG/APNG, GIF, WebP, BMP, TIFF). Pillow can open dozens more; some are rarely exercised
  code, and EPS would hand the bytes to Ghostscript. A file that is none of these, including
  an SVG or anything behind a lying extension, is unscannable.
- The pixel limit is checked against the size the header declares, before any pixel is
  decoded, so a tiny file that declares a gigantic canvas costs microseconds and no memory.
  It is a per-call argument: nothing here touches `Image.MAX_IMAGE_PIXELS` or any other
  process-wide Pillow setting, so concurrent callers with different limits do not interfere.
  Pillow's own global check still runs inside `Image.open`; with the default limits it only
  ever fires for images this module rejects anyway, and its error or warning (a warning is an
  exception when warnings are errors, as under pytest) becomes UnscannableError too.
- Truncated or corrupt data is unscannable: `ImageFile.LOAD_TRUNCATED_IMAGES` stays off, so a
  partial picture is never hashed as if it were the whole one.
- Animated images (GIF, APNG, animated WebP) contribute their first frame only.
- EXIF orientation is applied, so a photo and its camera-rotated twin yield the same pixels.

`Downscale` lets a caller that needs less than full resolution (PDQ does) ask for cheaper
pixels: JPEGs are decoded at 1/2, 1/4 or 1/8 scale inside libjpeg (`Image.draft`, DCT
scaling: faster than a full decode and a good low-pass filter), other formats are box-reduced
after decoding. Without it the image keeps its full size.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ombuds.errors import InputError
from ombuds.extraction.pixels import to_rgb

# About 8,000 x 6,000: larger than any camera photo a messaging app passes on, far below
# what it takes to exhaust a worker's memory (RGB decode is ~3-4 bytes per pixel).
DEFAULT_MAX_PIXELS = 50_000_000

# Pillow format names. "JPEG" also opens MPO files (multi-picture JPEGs from phone cameras).
IMAGE_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

_JPEG_FORMATS = frozenset({"JPEG", "MPO"})

# What Pillow raises on hostile or broken input. Its plugins do not share one exception type:
# parsers raise SyntaxError, struct.error or IndexError, decoders OSError or ValueError, and a
# warning arrives as an exception when warnings are errors (as under pytest).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    NotImplementedError,
    MemoryError,
    Image.DecompressionBombError,
    Warning,
)


class UnscannableError(InputError):
    """Image bytes that cannot be analysed: not an image, corrupt, truncated or too large.

    `cause` is a short, stable code for reports and tests; the message says what happened
    and is safe to show (it never echoes content bytes).
    """

    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE = "too_large"
    CORRUPT = "corrupt"

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message, field="data")
        self.cause = cause


@dataclass(frozen=True, slots=True)
class Downscale:
    """How far a decode may shrink an image for a consumer that needs less than full size.

    The shorter side stays at least `jpeg_min_side` pixels for JPEGs (reduced in the
    decoder by 2, 4 or 8) and at least `min_side` for other formats (box-reduced by an integer
    factor after decoding). Box reduction blurs less cleanly than libjpeg's DCT scaling, so it
    is given a larger floor; see docs/benchmarks.md "PDQ hashing" for the measurements.
    """

    jpeg_min_side: int
    min_side: int

    def __post_init__(self) -> None:
        if self.jpeg_min_side < 1 or self.min_side < 1:
            raise ValueError("Downscale sides must be positive")


def decode_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    downscale: Downscale | None = None,
    formats: Sequence[str] = IMAGE_FORMATS,
) -> Image.Image:
    """Decode `data` to an upright RGB image (first frame), or raise UnscannableError.

    `max_pixels` bounds the declared width x height. `downscale` permits a cheaper, smaller
    decode (see Downscale); None keeps full size. `formats` restricts which Pillow decoders
    are tried.
    """
    if max_pixels < 1:
        raise ValueError("max_pixels must be positive")
    if not data:
        raise UnscannableError("empty data is not an image", cause=UnscannableError.NOT_AN_IMAGE)
    try:
        image = _upright(_open(data, max_pixels, downscale, tuple(formats)))
        rgb = to_rgb(image)
    except UnscannableError:
        raise
    except UnidentifiedImageError as exc:
        raise UnscannableError(
            f"not an image in a supported format ({', '.join(formats)})",
            cause=UnscannableError.NOT_AN_IMAGE,
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnscannableError(
            f"image exceeds Pillow's pixel limit: {exc}", cause=UnscannableError.TOO_LARGE
        ) from exc
    except _DECODE_ERRORS as exc:
        raise UnscannableError(
            f"image data is corrupt or truncated: {type(exc).__name__}: {exc}",
            cause=UnscannableError.CORRUPT,
        ) from exc
    if downscale is not None:
        rgb = _box_reduce(rgb, downscale.min_side)
    return rgb


def _open(
    data: bytes, max_pixels: int, downscale: Downscale | None, formats: tuple[str, ...]
) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=formats)
    width, height = image.size
    if width < 1 or height < 1:
        raise UnscannableError(
            f"image declares an empty size {width}x{height}", cause=UnscannableError.CORRUPT
        )
    if width * height > max_pixels:
        raise UnscannableError(
            f"image is {width}x{height} = {width * height} pixels, over the limit of {max_pixels}",
            cause=UnscannableError.TOO_LARGE,
        )
    if downscale is not None and image.format in _JPEG_FORMATS:
        # Pillow picks the largest DCT scale (1/8, 1/4, 1/2) that keeps both sides at or above
        # the requested size; asking for a square keeps the shorter side above the floor.
        side = downscale.jpeg_min_side
        image.draft("RGB", (side, side))
    # Frame 0 is the current frame after open; loading now surfaces truncation and corruption
    # inside the try block of decode_image rather than later, in a caller.
    image.load()
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except _DECODE_ERRORS:
        # EXIF is advisory: an unreadable or hostile orientation tag leaves the pixels as
        # stored (dihedral matching still covers rotations) rather than making the image
        # unscannable, which would let a broken tag hide an image from matching.
        return image
    return image


def _box_reduce(image: Image.Image, min_side: int) -> Image.Image:
    factor = min(image.size) // min_side
    return image.reduce(factor) if factor >= 2 else image
