"""Content kind from the bytes themselves: file names and declared types lie."""

from __future__ import annotations

from ombuds.domain import ContentKind

# Leading bytes of the raster image formats Pillow decodes; SVG is text, hence a file.
_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)


def media_type_of(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM"):
        return "image/bmp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return "application/zip"
    return "application/octet-stream"


def kind_of(data: bytes) -> ContentKind:
    """IMAGE for raster image formats recognised by their magic bytes, FILE otherwise."""
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return ContentKind.IMAGE if data.startswith(_IMAGE_MAGIC) or is_webp else ContentKind.FILE
