"""Reading and writing import files as text, with errors that say where."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from ombuds.errors import ImportFileError


def decode(data: bytes, file: str) -> str:
    """UTF-8 text (a BOM is allowed) or an ImportFileError naming the offending line."""
    if not data.strip():
        raise ImportFileError("the file is empty", file=file, line=1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, data, file) from exc


def not_utf8(
    exc: UnicodeDecodeError, data: bytes, file: str, first_line: int = 1
) -> ImportFileError:
    """The error for undecodable `data`, which starts at line `first_line` of `file`."""
    line = first_line + data.count(b"\n", 0, exc.start)
    bad = data[exc.start : exc.start + 1].hex()
    return ImportFileError(
        f"not UTF-8 text (byte 0x{bad}); save the file as UTF-8", file=file, line=line
    )


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read the file: {exc.strerror}", file=str(path)) from exc


def read_text(path: str | os.PathLike[str]) -> str:
    return decode(read_bytes(path), str(path))


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored (PostgreSQL rejects NUL; lone surrogates are not UTF-8)."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (\\ud800-\\udfff)"
    return None


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
