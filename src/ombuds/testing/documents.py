"""Small synthetic documents for tests, benchmarks and demos: nothing here reads input.

PDFs are written by hand (Helvetica, WinAnsi text, one content stream per page) so no PDF
writer library is needed; DOCX goes through python-docx; the hostile samples (a 100,000-page
page tree, a zip bomb, a zip whose sizes lie) are built in milliseconds without inflating
anything.
"""

from __future__ import annotations

import io
import random
import string
import struct
import zlib
from collections.abc import Sequence

_LINE_CHARS = 90
_LINES_PER_PAGE = 50


def words(seed: int, count: int, *, vocabulary: int = 5_000) -> list[str]:
    """`count` pseudo-words drawn from a seeded vocabulary: unrelated seeds share no phrases."""
    vocab_rng = random.Random(0x0B5D)  # one vocabulary for every document
    vocab = [
        "".join(vocab_rng.choices(string.ascii_lowercase, k=vocab_rng.randint(2, 9)))
        for _ in range(vocabulary)
    ]
    rng = random.Random(seed)
    return rng.choices(vocab, k=count)


def paragraphs(seed: int, count: int, words_each: int = 60) -> list[str]:
    """`count` paragraphs of capitalised sentences of pseudo-words."""
    out = []
    for i in range(count):
        ws = words(seed * 1_000_003 + i, words_each)
        out.append(" ".join(ws).capitalize() + ".")
    return out


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            if line and len(line) + 1 + len(word) > _LINE_CHARS:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def _content_stream(text: str) -> bytes:
    ops = [b"BT /F1 10 Tf 12 TL 50 790 Td"]
    for line in _wrap(text)[: _LINES_PER_PAGE * 2]:
        ops.append(_pdf_string(line) + b" Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def _assemble(
    objects: Sequence[bytes], *, header: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
) -> bytes:
    """A PDF file from numbered object bodies (object i+1 = objects[i]), root object 1."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + (b"\nendstream")
        )
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def make_pdf(pages: Sequence[str], *, compress: bool = False) -> bytes:
    """A valid PDF with one page per string (Latin text; long pages are cut at 100 lines)."""
    n = len(pages)
    # 1 catalog, 2 page tree, 3 font, then (page, content) pairs.
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d /Resources << /Font << /F1 3 0 R >> >> "
        b"/MediaBox [0 0 612 842] >>" % (kids, n),
        _FONT,
    ]
    for i, text in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(_stream(_content_stream(text), compress))
    return _assemble(objects)


def make_many_pages_pdf(pages: int, *, fanout: int = 1_000, text: str = "page") -> bytes:
    """A PDF with `pages` pages sharing one content stream, under a two-level page tree
    (`fanout` pages per node; `fanout >= pages` gives one flat /Kids array)."""
    nodes = -(-pages // fanout)
    # 1 catalog, 2 root, 3 font, 4 content, 5.. intermediate nodes, then pages.
    first_page = 5 + nodes
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d /Resources << /Font << /F1 3 0 R >> >> "
        b"/MediaBox [0 0 612 842] >>"
        % (b" ".join(b"%d 0 R" % (5 + j) for j in range(nodes)), pages),
        _FONT,
        _stream(_content_stream(text), False),
    ]
    for j in range(nodes):
        lo, hi = j * fanout, min(pages, (j + 1) * fanout)
        kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(lo, hi))
        objects.append(b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (kids, hi - lo))
    page = [
        b"<< /Type /Page /Parent %d 0 R /Contents 4 0 R >>" % (5 + i // fanout)
        for i in range(pages)
    ]
    return _assemble(objects + page)


def encrypt_pdf(pdf: bytes, *, user_password: str, owner_password: str = "owner") -> bytes:  # noqa: S107
    """`pdf` encrypted with AES-256 by pypdf (needs `cryptography`)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(pages: Sequence[str]) -> bytes:
    """A DOCX with each string as paragraphs (split on newlines), a page break between."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, text in enumerate(pages):
        if i:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for para in text.split("\n"):
            document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_html(pages: Sequence[str], *, title: str = "", charset: str = "utf-8") -> bytes:
    """An HTML page with a script and a style block (invisible) around the text."""
    from html import escape

    body = "\n".join(
        f"<section>{''.join(f'<p>{escape(p)}</p>' for p in page.split(chr(10)))}</section>"
        for page in pages
    )
    html = (
        f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{escape(title)}</title>'
        "<style>p { color: red }</style><script>var hidden = 'not shown';</script></head>"
        f"<body>{body}</body></html>"
    )
    return html.encode(charset)


# -- zips written by hand, so sizes can be declared that no real compressor produced --------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>zip bomb</w:t></w:r></w:p></w:body></w:document>"
)


def _zip(members: Sequence[tuple[str, bytes, int, int]]) -> bytes:
    """A deflate zip from (name, compressed data, declared size, declared CRC) members."""
    out = bytearray()
    central = bytearray()
    for name, data, size, crc in members:
        raw = name.encode()
        offset = len(out)
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(raw))
        out += struct.pack("<4s5HIIIHH", b"PK\x03\x04", *fields, 0) + raw + data
        central += (
            struct.pack("<4s6HIIIHHHHHII", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + raw
        )
    end = struct.pack(
        "<4s4HIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + end)


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _member(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    return name, _deflate(data), len(data), zlib.crc32(data)


def zip_bomb_docx(gib: int = 3) -> bytes:
    """A DOCX with a genuine deflate member of `gib` GiB of zeros (~1 MB per GiB on disk;
    its CRC is not computed, so it is never valid: it must be refused unread)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\x00" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    data = block * (gib * 1024) + c.flush(zlib.Z_FINISH)
    return _zip(
        [
            _member("[Content_Types].xml", _CONTENT_TYPES),
            _member("_rels/.rels", _RELS),
            _member("word/document.xml", _DOCUMENT),
            ("word/media/filler.bin", data, gib << 30, 0),
        ]
    )


def lying_sizes_docx(inflated: int = 8 << 20) -> bytes:
    """A DOCX whose document.xml declares 100 bytes but inflates to `inflated` bytes."""
    padding = b"<!--" + b" " * inflated + b"-->"
    name, data, _, crc = _member("word/document.xml", _DOCUMENT + padding)
    return _zip(
        [
            _member("[Content_Types].xml", _CONTENT_TYPES),
            _member("_rels/.rels", _RELS),
            (name, data, 100, crc),
        ]
    )


def minimal_docx(text: str) -> bytes:
    """A DOCX written without python-docx (three parts), holding `text` in one paragraph."""
    from html import escape

    body = _DOCUMENT.replace(b"zip bomb", escape(text).encode())
    return _zip(
        [
            _member("[Content_Types].xml", _CONTENT_TYPES),
            _member("_rels/.rels", _RELS),
            _member("word/document.xml", body),
        ]
    )
