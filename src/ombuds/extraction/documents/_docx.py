"""DOCX text: a zip-bomb gate on the central directory, streamed verification of the XML
parts, then python-docx (lxml without entity expansion) for the package and main part.

The text is the body's in document order: paragraphs, table cells, text boxes and content
controls, with tabs and line breaks; tracked insertions are included, tracked deletions and
field codes are not. Headers, footers, footnotes and comments are not read. Where a file
carries the same drawing twice (`mc:AlternateContent`), only the preferred choice is read.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

from ombuds.extraction.documents._limits import (
    Budget,
    Cause,
    DocumentLimits,
    DocumentText,
    MiB,
    TextSink,
    unscannable,
)
from ombuds.extraction.images import UnscannableError

if TYPE_CHECKING:
    from collections.abc import Sequence

_MAIN_PART = "word/document.xml"
_RATIO_FLOOR = 1 * MiB  # small members may compress at any ratio without costing much
_CHUNK = 1 * MiB
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _T, _TAB, _BR, _CR = f"{_W}p", f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"
_TEXT_OF = {_TAB: "\t", _BR: "\n", _CR: "\n"}

_ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    struct.error,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    UnicodeError,
)


def extract_docx(data: bytes, limits: DocumentLimits, budget: Budget) -> DocumentText:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise unscannable(f"zip archive is corrupt or truncated: {exc}", Cause.CORRUPT) from exc
    with archive:
        if not any(info.filename == _MAIN_PART for info in infos):
            raise unscannable(
                "a zip archive that is not a Word document (no word/document.xml)",
                Cause.NOT_A_DOCUMENT,
            )
        check_declared_sizes(infos, limits)
        _verify_xml_members(archive, infos, budget)
    body = _open_body(data)
    sink = TextSink(limits.max_chars)
    _collect_text(body, sink, budget)
    lines = (line.strip() for line in sink.text().split("\n"))
    text = "\n".join(line for line in lines if line)
    return DocumentText(text=text, format="docx", pages=1, truncated=sink.truncated)


def check_declared_sizes(infos: Sequence[zipfile.ZipInfo], limits: DocumentLimits) -> None:
    """Refuse a zip by its central directory alone: nothing has been inflated yet."""
    if len(infos) > limits.max_zip_entries:
        raise unscannable(
            f"zip has {len(infos)} members, over the limit of {limits.max_zip_entries}",
            Cause.TOO_LARGE,
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise unscannable("zip member is encrypted", Cause.ENCRYPTED)
        total += info.file_size
        if total > limits.max_zip_bytes:
            raise unscannable(
                f"zip declares over {limits.max_zip_bytes} uncompressed bytes", Cause.TOO_LARGE
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(
            1, info.compress_size
        ):
            raise unscannable(
                f"zip member {info.filename!r} inflates {info.compress_size} bytes to "
                f"{info.file_size}, a ratio over {limits.max_zip_ratio:g}",
                Cause.TOO_LARGE,
            )


def _verify_xml_members(
    archive: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], budget: Budget
) -> None:
    """Inflate each XML part as a stream, in bounded chunks, checking its CRC.

    zipfile never returns more than a member's declared size, so the declared-size check
    bounds this work; a member whose data does not match its declaration fails here, before
    python-docx loads it.
    """
    try:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(info) as member:
                while member.read(_CHUNK):
                    budget.check()
    except UnscannableError:
        raise
    except _ZIP_ERRORS as exc:
        raise unscannable(f"zip member is corrupt or truncated: {exc}", Cause.CORRUPT) from exc


def _open_body(data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import OpcError

    corrupt: tuple[type[BaseException], ...] = (
        OpcError,
        SyntaxError,
        AttributeError,
        TypeError,
        *_ZIP_ERRORS,
    )
    try:
        document = docx.Document(io.BytesIO(data))
        body: Any = document.element.body
    except corrupt as exc:
        # lxml's XMLSyntaxError is a SyntaxError; python-docx raises ValueError for a
        # package whose main part is not a plain .docx document (e.g. .docm, .dotx).
        raise unscannable(
            f"DOCX is corrupt or not a plain Word document: {type(exc).__name__}: {exc}",
            Cause.CORRUPT,
        ) from exc
    return body


def _collect_text(body: Any, sink: TextSink, budget: Budget) -> None:
    for fallback in list(body.iter(_MC_FALLBACK)):
        parent = fallback.getparent()
        if parent is not None:
            parent.remove(fallback)
    for count, element in enumerate(body.iter(_P, _T, _TAB, _BR, _CR)):
        if count % 4096 == 4095:
            budget.check()
        tag = element.tag
        if tag == _P:
            sink.add("\n")
        elif tag == _T:
            sink.add(element.text or "")
        else:
            sink.add(_TEXT_OF[tag])
        if sink.full:
            return
