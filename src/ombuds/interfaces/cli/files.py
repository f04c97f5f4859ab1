"""Reading files named on the command line into content, with the limits applied first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ombuds.domain import AttributeValue, Content
from ombuds.errors import InputError
from ombuds.extraction.sniff import kind_of, media_type_of


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; InputError naming the file if missing, unreadable, empty or too big."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is {size:,} bytes, over the limit of {max_bytes:,} (OMBUDS_MAX_FILE_BYTES)",
                file=str(path),
            )
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    if not data:
        raise InputError("file is empty", file=str(path))
    if len(data) > max_bytes:  # it grew while we read it
        raise InputError(f"file is over the limit of {max_bytes:,} bytes", file=str(path))
    return data


def content_of_file(
    path: Path,
    data: bytes,
    *,
    author_id: str = "",
    conversation_id: str = "",
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Content:
    return Content(
        content_id=str(path),
        kind=kind_of(data),
        data=data,
        media_type=media_type_of(data),
        filename=path.name,
        author_id=author_id,
        conversation_id=conversation_id,
        attributes=attributes or {},
    )


def walk(paths: list[Path]) -> Iterator[Path]:
    """Files named, and files inside folders named (recursively, sorted, no hidden files)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden:
                    yield child
        else:
            yield path
