"""Document text: PDF (pypdf), DOCX (python-docx), HTML (visible text) and plain text.

    doc = extract_text(data)                      # DocumentText(text, format, pages, truncated)
    doc = extract_text(data, limits=DocumentLimits(max_pages=100))

The format comes from the bytes, never from a file name or declared type. Unreadable input
raises `ombuds.extraction.images.UnscannableError` with a `Cause` value as its `cause`.
Importing this package imports no parser: pypdf and python-docx load on first use.
"""

from ombuds.extraction.documents._extract import FORMATS, detect_format, extract_text
from ombuds.extraction.documents._limits import Cause, DocumentLimits, DocumentText
from ombuds.extraction.images import UnscannableError

__all__ = [
    "FORMATS",
    "Cause",
    "DocumentLimits",
    "DocumentText",
    "UnscannableError",
    "detect_format",
    "extract_text",
]
