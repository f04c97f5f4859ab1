"""OCR: the text inside an image, line by line, with where each line sits.

    engine = ocr_engine()                   # "rapidocr" (the `ocr` extra) or "fake"
    result = engine.read(image)             # an RGB Pillow image, e.g. from decode_image
    norm, evidence = matcher.match_with_text(result.text)
    boxes = locate(result, ev.matched_text, spans=ev.spans)   # which lines triggered, where

Everything outside Ombuds sits behind the small `OcrEngine` protocol so that callers are
tested against `FakeOcrEngine` in microseconds, and another engine can replace RapidOCR
without touching them. The real engine (`rapid.py`) imports onnxruntime and OpenCV only when it
first reads an image.

Out of scope: rotated or vertical text (RapidOCR's angle classifier only flips upside-down
lines), handwriting, and scripts beyond Latin and Chinese (the bundled recognition model's
alphabet).
"""

from __future__ import annotations

from ombuds.errors import ConfigError
from ombuds.extraction.ocr.fake import FakeOcrEngine
from ombuds.extraction.ocr.locate import locate
from ombuds.extraction.ocr.rapid import RapidOcrEngine
from ombuds.extraction.ocr.result import (
    DEFAULT_MAX_SIDE,
    MIN_SIDE,
    OcrEngine,
    OcrResult,
    OcrWord,
    prepare,
    reading_order,
)

ENGINE_NAMES: tuple[str, ...] = ("rapidocr", "fake")


def ocr_engine(name: str = "rapidocr") -> OcrEngine:
    """A new engine by name. Cheap: the RapidOCR models load on the first `read`, once per
    process, and are shared by every RapidOcrEngine with the same settings."""
    if name == "rapidocr":
        return RapidOcrEngine()
    if name == "fake":
        return FakeOcrEngine()
    raise ConfigError(
        f"unknown OCR engine '{name}'; choose one of: {', '.join(ENGINE_NAMES)}", field="ocr"
    )


__all__ = [
    "DEFAULT_MAX_SIDE",
    "ENGINE_NAMES",
    "MIN_SIDE",
    "FakeOcrEngine",
    "OcrEngine",
    "OcrResult",
    "OcrWord",
    "RapidOcrEngine",
    "locate",
    "ocr_engine",
    "prepare",
    "reading_order",
]
