"""`extract_text`: the format from the bytes, then the reader for that format."""

from __future__ import annotations

from ombuds.domain import ContentKind
from ombuds.extraction.documents._limits import (
    Budget,
    Cause,
    DocumentLimits,
    DocumentText,
    unscannable,
)
from ombuds.extraction.documents._text import (
    bom_encoding,
    decode_prefix,
    guess_encoding,
    markup_kind,
)
from ombuds.extraction.sniff import kind_of

FORMATS: tuple[str, ...] = ("pdf", "docx", "html", "text")

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office files saved with a password are OLE2 containers holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_HEAD = 1024


def detect_format(data: bytes) -> str:
    """ "pdf", "docx" (any zip; the reader checks it is one), "html" or "text", from the bytes
    only; raises UnscannableError(not_a_document) for anything else."""
    if not data:
        raise unscannable("empty data is not a document", Cause.NOT_A_DOCUMENT)
    if kind_of(data) is ContentKind.IMAGE:
        raise unscannable("an image, not a document", Cause.NOT_A_DOCUMENT)
    head = data[:_HEAD]
    if _PDF_MAGIC in head:  # viewers accept the header anywhere in the first 1024 bytes
        return "pdf"
    if data.startswith(_ZIP_MAGICS):
        return "docx"
    if data.startswith(_OLE2_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise unscannable("Office document is encrypted with a password", Cause.ENCRYPTED)
        raise unscannable("legacy Office (OLE2) file, a format not read here", Cause.NOT_A_DOCUMENT)
    kind = markup_kind(_ascii_head(data))
    if kind == "svg":
        raise unscannable("an SVG image, not a document", Cause.NOT_A_DOCUMENT)
    return "html" if kind == "html" else "text"


def _ascii_head(data: bytes) -> bytes:
    """The first bytes, lower-cased, as ASCII whatever the encoding of a BOM says."""
    found = bom_encoding(data)
    if found is None:
        return data[:_HEAD].lower()
    codec, skip = found
    text = data[skip : skip + 4 * _HEAD].decode(codec, errors="replace")[:_HEAD]
    return text.lower().encode("ascii", errors="replace")


def extract_text(data: bytes, *, limits: DocumentLimits = DocumentLimits()) -> DocumentText:  # noqa: B008
    """The text of a PDF, DOCX, HTML or plain-text document, detected from its bytes.

    Raises `ombuds.extraction.images.UnscannableError` with `cause` one of `Cause`: the
    bytes are no document this reads (`not_a_document`: empty, binary, image, SVG, other
    zip or Office formats), a corrupt or truncated PDF/DOCX (`corrupt`), a password-protected
    file (`encrypted`), over a size limit (`too_large`) or over the time budget (`timeout`).
    Page and character limits truncate instead (`DocumentText.truncated`).
    """
    budget = Budget(limits.time_budget_s)
    if len(data) > limits.max_bytes:
        raise unscannable(
            f"{len(data)} bytes exceeds the document limit of {limits.max_bytes}",
            Cause.TOO_LARGE,
        )
    fmt = detect_format(data)
    if fmt == "pdf":
        from ombuds.extraction.documents._pdf import extract_pdf

        return extract_pdf(data, limits, budget)
    if fmt == "docx":
        from ombuds.extraction.documents._docx import extract_docx

        return extract_docx(data, limits, budget)
    if fmt == "html":
        from ombuds.extraction.documents._html import extract_html

        return extract_html(data, limits, budget)
    codec, skip = guess_encoding(data)
    text, truncated = decode_prefix(data, codec, skip, limits.max_chars)
    return DocumentText(text=text, format="text", pages=1, truncated=truncated)
