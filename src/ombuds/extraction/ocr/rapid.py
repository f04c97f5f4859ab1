"""The real engine: RapidOCR behind a narrow, typed seam, its models loaded once per process.

`rapidocr-onnxruntime` (Apache-2.0) runs PaddleOCR's PP-OCRv4 detection and recognition
models and a direction classifier, all three shipped inside its wheel (~16 MB), with
onnxruntime (MIT) on the CPU. It has no download code: nothing here reaches the network.
The package is the optional `ocr` extra; importing this module imports none of it.

Why the settings below differ from RapidOCR's defaults:
- `text_score=0`: the model is shared by engines with different confidence thresholds, so
  it returns every line and RapidOcrEngine filters.
- Detector limit type "max" instead of "min": "min" (RapidOCR's default) scales an image up
  until its shortest side reaches 736 px, blowing a 640x200 banner up to 2,355x736 and
  spending ~4x longer on it for the same text. With "max", RapidOCR 1.4 only ever shrinks,
  to a ceiling it picks from the image size (960, 1500 or 2000 px; `det_limit_side_len` is
  ignored), so images prepared to at most DEFAULT_MAX_SIDE are detected at native size and
  `max_side` alone sets the cost.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from ombuds.errors import MissingExtraError
from ombuds.extraction.ocr.result import (
    DEFAULT_MAX_SIDE,
    MIN_SIDE,
    OcrResult,
    OcrWord,
    is_too_small,
    prepare,
)

PACKAGE = "rapidocr-onnxruntime"  # what pip installs; the import name differs
MODULE = "rapidocr_onnxruntime"
EXTRA = "ocr"

# (polygon as float corner points, text, confidence) for one detected line.
RawLine = tuple[tuple[tuple[float, float], ...], str, float]


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """What changes a loaded model; each distinct value loads (and keeps) its own."""

    threads: int | None = None  # onnxruntime intra-op threads; None: one per physical core


class _Model:
    """A loaded RapidOCR and the lock that serialises calls into it.

    RapidOCR is not safe to call from two threads at once: its detector stores per-image
    preprocessing state on itself between two statements. onnxruntime already spreads one
    inference over the cores, so serialising loses little; several worker processes are the
    way to read several images at once.
    """

    def __init__(self, ocr: Callable[..., Any]) -> None:
        self._ocr = ocr
        self._lock = threading.Lock()

    def run(self, bgr: npt.NDArray[np.uint8]) -> list[RawLine]:
        with self._lock:
            found, _timings = self._ocr(bgr)
        if not found:  # RapidOCR returns (None, None) when it detects nothing
            return []
        return [_raw_line(item) for item in found]


def _raw_line(item: Any) -> RawLine:
    box, text, score = item
    return tuple((float(x), float(y)) for x, y in box), str(text), float(score)


_models: dict[ModelSettings, _Model] = {}
_models_lock = threading.Lock()


def shared_model(settings: ModelSettings) -> _Model:
    """The process's model for `settings`, loaded on first use (~0.5 s) and kept."""
    loaded = _models.get(settings)
    if loaded is not None:
        return loaded
    with _models_lock:
        # Checked again under the lock: threads that raced here load the model only once.
        loaded = _models.get(settings)
        if loaded is None:
            loaded = _Model(_load(settings))
            _models[settings] = loaded
    return loaded


def available() -> bool:
    """Whether the `ocr` extra is importable (imports it; no model is loaded)."""
    try:
        _import()
    except MissingExtraError:
        return False
    return True


def forget_models() -> None:
    """Drop loaded models (tests; a process about to fork workers that load their own)."""
    with _models_lock:
        _models.clear()


def _import() -> Any:
    try:
        return importlib.import_module(MODULE)
    except ImportError as exc:
        # Also when onnxruntime or OpenCV is missing underneath, or OpenCV cannot find its
        # system libraries (libGL.so.1, libglib-2.0.so.0); the chained error says which.
        raise MissingExtraError(PACKAGE, EXTRA) from exc


def _load(settings: ModelSettings) -> Callable[..., Any]:
    rapidocr = _import()
    options: dict[str, Any] = {
        "text_score": 0.0,
        "print_verbose": False,
        "det_limit_type": "max",
    }
    if settings.threads is not None:
        options["intra_op_num_threads"] = settings.threads
        options["inter_op_num_threads"] = 1
    ocr: Callable[..., Any] = rapidocr.RapidOCR(**options)
    return ocr


class RapidOcrEngine:
    """OCR with RapidOCR (the `ocr` extra): Latin and Chinese, ~1 s per image (p50, 2 cores).

    Creating one is free; the first `read` in a process imports onnxruntime and OpenCV and
    loads the models (~1 s), and raises MissingExtraError if the extra is not installed.
    Lines read with a confidence below `min_confidence` are dropped. Images are shrunk to
    `max_side` first, and the detector, which dominates the cost, runs at that resolution:
    `max_side=960` halves the median latency on the benchmark at equal accuracy there, but
    loses small text (long screenshots); see docs/benchmarks.md "OCR". `threads` caps
    onnxruntime's threads per inference (None: one per physical core); give each of several
    worker processes a share of the cores.
    """

    def __init__(
        self,
        *,
        min_confidence: float = 0.5,
        max_side: int = DEFAULT_MAX_SIDE,
        threads: int | None = None,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be within 0..1")
        if max_side < MIN_SIDE:
            raise ValueError(f"max_side must be at least {MIN_SIDE}")
        if threads is not None and threads < 1:
            raise ValueError("threads must be positive")
        self.min_confidence = min_confidence
        self.max_side = max_side
        self._settings = ModelSettings(threads=threads)

    def load(self) -> None:
        """Load the models now (e.g. when a worker starts) instead of on the first read."""
        shared_model(self._settings)

    def read(self, image: Image.Image) -> OcrResult:
        model = shared_model(self._settings)
        started = time.perf_counter()
        if is_too_small(image):
            return OcrResult("", (), (time.perf_counter() - started) * 1000)
        pixels, scale = prepare(image, self.max_side)
        # OpenCV convention: BGR, C-contiguous.
        bgr = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8)[:, :, ::-1])
        words = []
        for polygon, text, confidence in model.run(bgr):
            text = text.strip()
            if text and confidence >= self.min_confidence:
                box = tuple((round(x * scale), round(y * scale)) for x, y in polygon)
                words.append(OcrWord(text, box, confidence))
        return OcrResult.from_words(words, (time.perf_counter() - started) * 1000)
