"""What a deferred worker does with one image or file: the queue handler.

It runs in a worker process and only extracts: perceptual hashes, OCR text, document text
and its fingerprint. Matching against banks and lexicons happens back in the engine, where
the indexes live. Input and output are JSON-ready so the job can cross a process boundary
(or a broker) without pickle.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ombuds.domain import Content, ContentKind, Signal
from ombuds.errors import MissingExtraError
from ombuds.extraction.images import UnscannableError

PDQ = "pdq"
DIHEDRAL = "dihedral"
OCR = "ocr"
DOCUMENT = "document"
ANALYSES = frozenset({PDQ, DIHEDRAL, OCR, DOCUMENT})


def _signal(signal: Signal, transform: str = "") -> dict[str, Any]:
    return {
        "type": signal.signal_type,
        "value": signal.value,
        "quality": signal.quality,
        "transform": transform,
    }


def _image(content: Content, analyses: frozenset[str], result: dict[str, Any]) -> None:
    from ombuds.matching.signals.pdq import DIHEDRAL_TRANSFORMS, PDQSignal

    pdq = PDQSignal()
    if DIHEDRAL in analyses:
        hashes = pdq.compute_dihedral(content)
        result["signals"] += [
            _signal(s, t) for s, t in zip(hashes, DIHEDRAL_TRANSFORMS, strict=False)
        ]
    elif PDQ in analyses:
        signal = pdq.compute(content)
        result["signals"] += [] if signal is None else [_signal(signal, "original")]
    if OCR in analyses:
        _ocr(pdq, content, result)


def _ocr(pdq: Any, content: Content, result: dict[str, Any]) -> None:
    from ombuds.extraction.ocr import ocr_engine

    image = pdq.decode(content)
    if image is None:
        return
    try:
        read = ocr_engine().read(image)
    except MissingExtraError as exc:
        result["notes"].append(str(exc))  # OCR is optional: the rest of the analysis stands
        return
    result["text"], result["text_source"] = read.text, OCR
    result["words"] = [
        {"text": w.text, "box": [list(p) for p in w.box], "confidence": w.confidence}
        for w in read.words
    ]


def _document(content: Content, analyses: frozenset[str], result: dict[str, Any]) -> None:
    from ombuds.extraction.documents import extract_text
    from ombuds.matching.signals.minhash import MinHashSignal

    document = extract_text(content.data or b"")
    result["text"], result["text_source"] = document.text, DOCUMENT
    result["document"] = {
        "format": document.format,
        "pages": document.pages,
        "truncated": document.truncated,
    }
    fingerprint = MinHashSignal().compute(content)
    if fingerprint is not None:
        result["signals"].append(_signal(fingerprint))


def handle(header: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    """The queue handler: `header` has `kind` and `analyses`; returns signals, text, words."""
    started = time.perf_counter()
    analyses = frozenset(header.get("analyses", ())) & ANALYSES
    kind = ContentKind(header["kind"])
    content = Content(str(header.get("job_id", "job")), kind, data=data)
    result: dict[str, Any] = {"signals": [], "text": "", "text_source": "", "words": [],
                              "notes": [], "unscannable": "", "cause": ""}  # fmt: skip
    try:
        if kind is ContentKind.IMAGE:
            _image(content, analyses, result)
        elif DOCUMENT in analyses:
            _document(content, analyses, result)
    except UnscannableError as exc:
        result["unscannable"], result["cause"] = exc.message, exc.cause
    result["elapsed_ms"] = (time.perf_counter() - started) * 1000
    return result
