"""An in-memory OCR engine for fast tests of callers."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from PIL import Image

from ombuds.extraction.ocr.result import OcrResult, OcrWord, is_too_small
from ombuds.extraction.pixels import to_rgb


@dataclass
class FakeOcrEngine:
    """Canned OCR for tests of callers: no model, no extra, microseconds per read.

    `texts` maps an image to the text it "contains" (lines separated by newlines). A key is
    either the image size `(width, height)` or `FakeOcrEngine.fingerprint(image)` (a digest
    of the RGB pixels) when several test images share a size; the fingerprint wins. Images
    without an entry read as `default`. Each line gets a box: a horizontal band of the image,
    top to bottom, so `locate` works as with real OCR. Images below MIN_SIDE read as empty,
    as with the real engine. `reads` counts calls, e.g. to check a cache in front of OCR.
    """

    texts: Mapping[tuple[int, int] | str, str] = field(default_factory=dict)
    default: str = ""
    confidence: float = 1.0
    reads: int = 0

    @staticmethod
    def fingerprint(image: Image.Image) -> str:
        rgb = to_rgb(image)
        return hashlib.sha256(f"{rgb.size}".encode() + rgb.tobytes()).hexdigest()

    def read(self, image: Image.Image) -> OcrResult:
        started = time.perf_counter()
        self.reads += 1
        if is_too_small(image):
            return OcrResult("", (), (time.perf_counter() - started) * 1000)
        text = self.texts.get(self.fingerprint(image)) if self.texts else None
        if text is None:
            text = self.texts.get(image.size, self.default)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        width, height = image.size
        band = height / max(1, len(lines))
        words = []
        for row, line in enumerate(lines):
            top, bottom = round(row * band), round((row + 1) * band) - 1
            box = ((0, top), (width - 1, top), (width - 1, bottom), (0, bottom))
            words.append(OcrWord(line, box, self.confidence))
        return OcrResult.from_words(words, (time.perf_counter() - started) * 1000)
