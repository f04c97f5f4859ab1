"""Any Pillow mode to 8-bit RGB, as a person would see the picture.

`Image.convert("RGB")` alone gets several modes wrong for matching purposes:
16-bit greys (I;16*) and 32-bit I/F images are clipped to 0..255, so a typical 16-bit scan
turns white; alpha is dropped, so whatever colour hides under transparent pixels is hashed
instead of what is shown; "La" (premultiplied) has no RGB conversion at all. Palette, CMYK,
1-bit, YCbCr, LAB and HSV images convert correctly once routed through here (Meta's library
hashes palette images as grey indices and CMYK as if it were RGB; converting fixes both).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

_WHITE = (255, 255, 255)


def to_rgb(image: Image.Image) -> Image.Image:
    """An RGB image of `image`: alpha composited onto white, high bit depths scaled to 8 bits."""
    mode = image.mode
    if mode.startswith("I;16"):
        image = _grey_to_l(np.asarray(image).astype(np.float32) / 257.0)
    elif mode == "I":
        image = _grey_to_l(_wide_range(np.asarray(image).astype(np.float32), max_hint=65535.0))
    elif mode == "F":
        image = _grey_to_l(_wide_range(np.asarray(image).astype(np.float32), max_hint=1.0))
    elif mode == "La":
        image = image.convert("LA")
    if image.has_transparency_data:
        return _flatten(image)
    return image if image.mode == "RGB" else image.convert("RGB")


def _wide_range(values: npt.NDArray[np.float32], *, max_hint: float) -> npt.NDArray[np.float32]:
    """Map I or F samples to 0..255, trying the common conventions before stretching.

    Values already within 0..255 are 8-bit data in a wide container (what `convert("I")` or
    `convert("F")` of an 8-bit image gives). Within 0..`max_hint` they are 16-bit integers
    (max_hint 65535) or unit floats (max_hint 1.0). Anything else is stretched from its own
    minimum to its maximum: PDQ ignores brightness offset and contrast scale, so a linear
    stretch changes the quality score at most, not the hash bits.
    """
    finite = np.isfinite(values)
    if not finite.all():
        # NaN and infinities carry no picture; give them the darkest finite value.
        floor = float(values[finite].min()) if finite.any() else 0.0
        values = np.where(finite, values, np.float32(floor))
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and max_hint == 1.0 and high <= 1.0:
        return values * np.float32(255.0)
    if low >= 0.0 and high <= 255.0:
        return values
    if low >= 0.0 and high <= max_hint:
        return values * np.float32(255.0 / max_hint)
    if high == low:
        return np.zeros_like(values)
    return (values - np.float32(low)) * np.float32(255.0 / (high - low))


def _grey_to_l(values: npt.NDArray[np.float32]) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema() == (255, 255):
        # Fully opaque: dropping alpha is exact, and bit-identical to Meta's hashing.
        return rgba.convert("RGB")
    # Composite onto white, the usual chat background: the hash then describes what is shown,
    # not the colours hidden under transparent pixels, which a sender can set to anything.
    flat = Image.new("RGB", rgba.size, _WHITE)
    flat.paste(rgba, mask=alpha)
    return flat
