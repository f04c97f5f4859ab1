"""Fresh canaries: images and documents that carry a lexicon term and have never existed.

Every canary is made from fresh randomness (random shapes and pixels, random pseudo-words, a
random reference number), so its exact hashes cannot be in any bank unless the deployment
learned them from this run. Images carry the term as a caption that OCR reads; documents
carry it as a paragraph of their own, so no line break or page break splits it.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ombuds.domain import Content, ContentKind
from ombuds.testing.documents import make_docx, make_html, make_pdf, paragraphs

CANARY = "canary"  # sent outside the scope first, then inside
CONTROL = "control"  # sent inside the scope only
DOCUMENT_FORMATS = ("pdf", "docx", "html", "txt")
_SIZE = (480, 360)
_LINE = 44


@dataclass(frozen=True)
class Canary:
    label: str  # "A1" for canaries, "B1" for controls
    group: str  # CANARY or CONTROL
    kind: str  # "image" or "file", as the API names content kinds
    format: str
    term: str
    data: bytes = field(repr=False)
    md5: str
    sha256: str
    pdq: str | None
    minhash: str | None = None  # documents: the near-duplicate fingerprint

    def fingerprints(self) -> list[tuple[str, str]]:
        """(signal type, value) of every fingerprint a deployment could bank it by."""
        found = [("md5", self.md5), ("sha256", self.sha256)]
        found += [(name, v) for name, v in (("pdq", self.pdq), ("minhash", self.minhash)) if v]
        return found

    def as_dict(self) -> dict[str, Any]:
        """What the report keeps: the fingerprints, never the bytes."""
        return {
            "label": self.label,
            "group": self.group,
            "kind": self.kind,
            "format": self.format,
            "term": self.term,
            "bytes": len(self.data),
            "md5": self.md5,
            "sha256": self.sha256,
            "pdq": self.pdq,
            "minhash": self.minhash,
        }


def _pdq(data: bytes) -> str | None:
    from ombuds.matching.signals.pdq import PDQSignal

    signal = PDQSignal().compute(Content("canary", ContentKind.IMAGE, data=data))
    return None if signal is None else signal.value


def _minhash(data: bytes) -> str | None:
    from ombuds.matching.signals.minhash import MinHashSignal

    signal = MinHashSignal().compute(Content("canary", ContentKind.FILE, data=data))
    return None if signal is None else signal.value


def _canary(label: str, group: str, kind: str, fmt: str, term: str, data: bytes) -> Canary:
    return Canary(
        label=label,
        group=group,
        kind=kind,
        format=fmt,
        term=term,
        data=data,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        pdq=_pdq(data) if kind == "image" else None,
        minhash=_minhash(data) if kind == "file" else None,
    )


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def render_image(term: str, rng: random.Random) -> bytes:
    """A PNG of random shapes and pixel noise with `term` in a white caption banner.

    One word per line: OCR drops narrow word gaps, and lexicon terms match whole words. The
    banner sits at the top or the bottom so images differ in their perceptual hashes too.
    """
    width, height = _SIZE
    image = Image.new("RGB", _SIZE, _colour(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(8, 16)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randint(20, 200), y0 + rng.randint(20, 150))
        rng.choice((draw.rectangle, draw.ellipse))(box, fill=_colour(rng))
    for _ in range(400):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=_colour(rng))
    words = term.upper().split()
    banner = _LINE * len(words) + 12
    top = rng.choice((0, height - banner))
    draw.rectangle((0, top, width, top + banner), fill=(255, 255, 255))
    font = ImageFont.load_default(size=34)
    for n, word in enumerate(words):
        draw.text((18 + rng.randrange(40), top + 8 + _LINE * n), word, fill=(0, 0, 0), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def document_text(term: str, rng: random.Random) -> str:
    """Pseudo-word prose around `term`, with a random reference that makes the file unique."""
    prose = paragraphs(rng.getrandbits(48), 2, words_each=40)
    reference = f"Reference {rng.getrandbits(64):016x}."
    return "\n".join([prose[0], term, prose[1], reference])


def render_document(term: str, fmt: str, rng: random.Random) -> bytes:
    text = document_text(term, rng)
    if fmt == "pdf":
        return make_pdf([text])
    if fmt == "docx":
        return make_docx([text])
    if fmt == "html":
        return make_html([text], title=f"Note {rng.getrandbits(32):08x}")
    return text.encode("utf-8")


def _formats(term: str) -> list[str]:
    # The hand-written PDFs carry WinAnsi text only: other scripts go into the other formats.
    try:
        term.encode("cp1252")
    except UnicodeEncodeError:
        return [f for f in DOCUMENT_FORMATS if f != "pdf"]
    return list(DOCUMENT_FORMATS)


def make_set(
    group: str,
    terms: Sequence[str],
    *,
    documents: int,
    images: int,
    rng: random.Random,
) -> list[Canary]:
    """`documents` documents (formats in turn) and `images` images, terms in turn."""
    prefix = "A" if group == CANARY else "B"
    made: list[Canary] = []
    for i in range(documents):
        term = terms[i % len(terms)]
        formats = _formats(term)
        fmt = formats[i % len(formats)]
        data = render_document(term, fmt, rng)
        made.append(_canary(f"{prefix}{len(made) + 1}", group, "file", fmt, term, data))
    for i in range(images):
        term = terms[i % len(terms)]
        data = render_image(term, rng)
        made.append(_canary(f"{prefix}{len(made) + 1}", group, "image", "png", term, data))
    return made


def pdq_distance(left: str, right: str) -> int:
    return (int(left, 16) ^ int(right, 16)).bit_count()


def closest_pdq(first: Sequence[Canary], second: Sequence[Canary]) -> int | None:
    """The smallest PDQ distance between an image of one set and one of the other: a
    leak test needs controls that no perceptual match could tie to the canaries."""
    distances = [
        pdq_distance(a.pdq, b.pdq)
        for a in first
        for b in second
        if a.pdq is not None and b.pdq is not None
    ]
    return min(distances, default=None)
