"""What OCR returns, the engine protocol, and the image preparation every engine shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from ombuds.extraction.pixels import to_rgb

# Below this many pixels on a side no legible line fits; the model would only add latency.
MIN_SIDE = 16

# Larger images are shrunk to this longest side before OCR. Text that stays legible in a
# 1600-pixel rendering of a screenshot or a photographed page is what matters for
# moderation, and it bounds the detector's work (its cost grows with the pixel count).
DEFAULT_MAX_SIDE = 1600

Point = tuple[int, int]


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One recognised text line (RapidOCR reads lines, not single words)."""

    text: str
    box: tuple[Point, ...]  # polygon in the pixels of the image passed to `read`
    confidence: float

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of `box`: what a log or a review console draws."""
        xs = [x for x, _ in self.box]
        ys = [y for _, y in self.box]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True, slots=True)
class OcrResult:
    text: str  # the lines joined with newlines, in reading order
    words: tuple[OcrWord, ...]
    elapsed_ms: float

    @classmethod
    def from_words(cls, words: Iterable[OcrWord], elapsed_ms: float) -> OcrResult:
        ordered = reading_order(words)
        return cls("\n".join(w.text for w in ordered), ordered, elapsed_ms)


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> OcrResult:
        """The text in `image` (any mode; converted to RGB). An engine whose package is not
        installed raises MissingExtraError."""
        ...


def reading_order(words: Iterable[OcrWord]) -> tuple[OcrWord, ...]:
    """Top-to-bottom, then left-to-right within a line.

    Boxes whose vertical centre falls inside the first box of a row share that row, so two
    side-by-side boxes of different heights (a caption next to a large title) keep their
    left-to-right order, which sorting by top edge alone would not.
    """
    rows: list[list[OcrWord]] = []
    row_band: tuple[int, int] = (0, -1)
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        _, top, _, bottom = word.bbox
        centre = (top + bottom) / 2
        if rows and row_band[0] <= centre <= row_band[1]:
            rows[-1].append(word)
        else:
            rows.append([word])
            row_band = (top, bottom)
    return tuple(w for row in rows for w in sorted(row, key=lambda w: w.bbox[0]))


def prepare(image: Image.Image, max_side: int = DEFAULT_MAX_SIDE) -> tuple[Image.Image, float]:
    """RGB pixels no larger than `max_side`, and the factor that maps them back (>= 1)."""
    rgb = to_rgb(image)
    width, height = rgb.size
    longest = max(width, height)
    if longest <= max_side:
        return rgb, 1.0
    scale = longest / max_side
    size = (max(1, round(width / scale)), max(1, round(height / scale)))
    # reducing_gap: a cheap integer box reduction first, then Lanczos for the remainder;
    # visually equal to a full Lanczos resize here and several times faster on big photos.
    return rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0), scale


def is_too_small(image: Image.Image) -> bool:
    return min(image.size) < MIN_SIDE
