"""PDF text with pypdf, page by page, within DocumentLimits.

- Pages are found by walking the page tree lazily (depth-first, cycle-safe), so a file that
  declares or holds 100,000 pages costs only the `max_pages` pages that are read: pypdf's own
  `reader.pages` would build every page object first.
- Encryption: a PDF whose *user* password is empty (only an owner password restricting
  printing or copying, common for published documents) opens in every viewer without a
  password, so its text is read like any other. A PDF that needs a password to open is
  unscannable with cause `encrypted`. AES needs the `cryptography` package (`pypdf[crypto]`);
  without it AES-encrypted files are `encrypted` too.
- pypdf reports the repairs it makes to broken files through the `pypdf` logger at WARNING.
  Untrusted files make that routine, so the first PDF read raises that logger's level to
  ERROR unless the application has set a level on it itself. pypdf's own resource limits
  (decompressed stream sizes, array sizes...) stay on; hitting one is `too_large`.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ombuds.extraction.documents._limits import (
    Budget,
    Cause,
    DocumentLimits,
    DocumentText,
    TextSink,
    unscannable,
)
from ombuds.extraction.images import UnscannableError

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_TREE_DEPTH = 64

# What pypdf raises on hostile input besides its own errors (non-strict mode lets low-level
# parsing errors through on some paths).
_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    LookupError,
    AssertionError,
    OSError,
    EOFError,
    RecursionError,
    ZeroDivisionError,
    NotImplementedError,
    struct.error,
    zlib.error,
    UnicodeError,
    Warning,
)

_logger_quieted = False


def _quiet_pypdf_logger() -> None:
    global _logger_quieted
    if not _logger_quieted:
        logger = logging.getLogger("pypdf")
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.ERROR)
        _logger_quieted = True


def extract_pdf(data: bytes, limits: DocumentLimits, budget: Budget) -> DocumentText:
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    _quiet_pypdf_logger()
    corrupt: tuple[type[BaseException], ...] = (PyPdfError, *_PARSE_ERRORS)
    sink = TextSink(limits.max_chars)
    pages = 0
    truncated = False
    try:
        reader = _open(data)
        for page in _walk_pages(reader, budget):
            budget.check()
            if pages == limits.max_pages:
                truncated = True
                break
            pages += 1
            sink.add(page.extract_text())
            sink.add("\n")
            if sink.full:
                break
    except UnscannableError:
        raise
    except LimitReachedError as exc:
        raise unscannable(f"PDF exceeds a parser limit: {exc}", Cause.TOO_LARGE) from exc
    except DependencyError as exc:
        raise unscannable(f"PDF encryption is not supported here: {exc}", Cause.ENCRYPTED) from exc
    except MemoryError as exc:
        raise unscannable("PDF needs too much memory", Cause.TOO_LARGE) from exc
    except corrupt as exc:
        raise unscannable(
            f"PDF is corrupt or truncated: {type(exc).__name__}: {exc}", Cause.CORRUPT
        ) from exc
    if pages == 0:
        raise unscannable("PDF has no pages", Cause.CORRUPT)
    text = sink.text().strip()
    return DocumentText(text=text, format="pdf", pages=pages, truncated=truncated or sink.truncated)


def _open(data: bytes) -> PdfReader:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise unscannable("PDF is encrypted with a password", Cause.ENCRYPTED)
    return reader


def _walk_pages(reader: PdfReader, budget: Budget) -> Iterator[PageObject]:
    """The leaf pages in document order, built one at a time with inherited attributes.

    Objects are resolved as they are reached, so pages after the last one read are never
    parsed. A /Pages node reached twice (a cycle, or a shared subtree multiplying pages) makes
    the file corrupt: the page tree must be a tree.
    """
    from pypdf import PageObject
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    root = reader.root_object.get("/Pages")
    if root is None:
        raise unscannable("PDF has no page tree", Cause.CORRUPT)
    # Stack of (reference or inline node, inherited attributes, depth), resolved on pop.
    stack: list[tuple[Any, dict[str, Any], int]] = [(root, {}, 0)]
    visited: set[tuple[int, int]] = set()
    steps = 0
    while stack:
        ref, inherit, depth = stack.pop()
        steps += 1
        if steps % 1024 == 0:
            budget.check()
        node = ref.get_object() if isinstance(ref, IndirectObject) else ref
        if not isinstance(node, DictionaryObject):
            continue  # damaged files list nulls and junk among /Kids; viewers skip them
        kids = node.get("/Kids")
        node_type = node.get("/Type")
        if node_type == "/Pages" or (node_type != "/Page" and kids is not None):
            if depth >= _MAX_TREE_DEPTH:
                raise unscannable("PDF page tree is too deep", Cause.CORRUPT)
            if isinstance(ref, IndirectObject):
                key = (ref.idnum, ref.generation)
                if key in visited:
                    raise unscannable("PDF page tree repeats a node", Cause.CORRUPT)
                visited.add(key)
            kids = kids.get_object() if kids is not None else ArrayObject()
            if not isinstance(kids, ArrayObject):
                raise unscannable("PDF page tree node has no /Kids array", Cause.CORRUPT)
            child_inherit = dict(inherit)
            for name in _INHERITED:
                if name in node:
                    child_inherit[name] = node[name]
            stack.extend((kid, child_inherit, depth + 1) for kid in reversed(kids))
            continue
        page = PageObject(reader, ref if isinstance(ref, IndirectObject) else None)
        if not isinstance(ref, IndirectObject):
            page.update(node)
        for name, value in inherit.items():
            if name not in page:
                page[NameObject(name)] = value
        yield page
