import pytest

from ombuds.domain import ContentKind
from ombuds.extraction.sniff import kind_of, media_type_of


@pytest.mark.parametrize(
    ("head", "kind", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\n....", ContentKind.IMAGE, "image/png"),
        (b"\xff\xd8\xff\xe0....", ContentKind.IMAGE, "image/jpeg"),
        (b"GIF89a....", ContentKind.IMAGE, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ContentKind.IMAGE, "image/webp"),
        (b"BM......", ContentKind.IMAGE, "image/bmp"),
        (b"II*\x00....", ContentKind.IMAGE, "image/tiff"),
        (b"%PDF-1.7\n", ContentKind.FILE, "application/pdf"),
        (b"PK\x03\x04....", ContentKind.FILE, "application/zip"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            ContentKind.FILE,
            "application/octet-stream",
        ),
        (b"", ContentKind.FILE, "application/octet-stream"),
    ],
)
def test_kind_comes_from_the_bytes(head: bytes, kind: ContentKind, media_type: str) -> None:
    assert kind_of(head) is kind
    assert media_type_of(head) == media_type
