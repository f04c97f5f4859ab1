"""Snapshot file for the PDQ index: a JSON header and raw little-endian arrays, no pickle.

Layout: 8-byte magic, 8-byte little-endian header length, the UTF-8 JSON header, then each
array's bytes at the offset the header gives. The header records dtype, shape and CRC-32 of
every array, so a truncated or altered file is refused instead of silently losing matches.
Only the live hashes and refs are stored; the table is rebuilt on load (seconds at 10M), which
keeps the file a third of the index's memory and leaves nothing derived to go stale.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ombuds.errors import ConfigError
from ombuds.matching.perceptual.hashes import HASH_WORDS, Words

MAGIC = b"OMBPDQ\x00\x01"
FORMAT = "ombuds-pdq-index"
VERSION = 1
_ALIGN = 64
_MAX_HEADER = 1 << 20


def _bytes(array: npt.NDArray[Any]) -> memoryview:
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8).data


def _crc(array: npt.NDArray[Any]) -> int:
    return zlib.crc32(_bytes(array))


def write(
    path: Path,
    words: Words,
    refs: npt.NDArray[np.int64],
    meta: dict[str, Any] | None = None,
    *,
    durable: bool = True,
) -> None:
    """Write atomically: a temporary file in the same directory, fsynced, then renamed.

    `meta` (JSON) is kept in the header for whoever reads the file; `durable=False` skips the
    fsync, for files that only live as long as this process (a lost one is just rewritten).
    """
    arrays = {
        "words": np.ascontiguousarray(words, dtype="<u8"),
        "refs": np.ascontiguousarray(refs, dtype="<i8"),
    }
    # Offsets depend on the header's length, which depends on the offsets: fix the header
    # size by laying out the data after a generously padded header.
    specs: dict[str, dict[str, Any]] = {}
    for name, arr in arrays.items():
        specs[name] = {"dtype": arr.dtype.str, "shape": list(arr.shape), "crc32": _crc(arr)}
    extra = {"meta": meta} if meta else {}
    probe = json.dumps({"format": FORMAT, "version": VERSION, "arrays": specs, **extra}).encode()
    data_start = -(-(16 + len(probe) + 200) // _ALIGN) * _ALIGN
    offset = data_start
    for name, arr in arrays.items():
        specs[name]["offset"] = offset
        offset += -(-arr.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"format": FORMAT, "version": VERSION, "arrays": specs, **extra}).encode()
    header = header.ljust(data_start - 16)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + struct.pack("<Q", len(header)) + header)
            for name, arr in arrays.items():
                f.seek(specs[name]["offset"])
                f.write(_bytes(arr))
            f.truncate(offset)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _bad(path: Path, why: str) -> ConfigError:
    return ConfigError(f"PDQ index snapshot is unusable: {why}", file=str(path))


def read(path: Path) -> tuple[Words, npt.NDArray[np.int64]]:
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            lead = f.read(16)
            if len(lead) < 16 or lead[:8] != MAGIC:
                raise _bad(path, "not an Ombuds PDQ snapshot (bad magic)")
            (header_len,) = struct.unpack("<Q", lead[8:])
            if header_len > min(_MAX_HEADER, size - 16):
                raise _bad(path, "truncated header")
            try:
                header = json.loads(f.read(header_len))
                if header.get("format") != FORMAT or header.get("version") != VERSION:
                    raise _bad(
                        path,
                        f"unsupported format {header.get('format')!r} v{header.get('version')!r}",
                    )
                arrays = {
                    name: _read_array(f, size, header["arrays"][name]) for name in ("words", "refs")
                }
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise _bad(path, f"malformed header ({exc})") from None
    except OSError as exc:
        raise _bad(path, exc.strerror or str(exc)) from None
    words, refs = arrays["words"], arrays["refs"]
    if words.ndim != 2 or words.shape[1] != HASH_WORDS or refs.shape != (len(words),):
        raise _bad(path, "array shapes do not match")
    return words.astype(np.uint64), refs.astype(np.int64)


def _read_array(f: Any, size: int, spec: dict[str, Any]) -> npt.NDArray[Any]:
    dtype = np.dtype(spec["dtype"])
    if dtype.str not in ("<u8", "<i8"):
        raise ValueError(f"unexpected dtype {dtype.str}")
    shape = tuple(int(s) for s in spec["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    offset = int(spec["offset"])
    if offset < 16 or count < 0 or offset + count * dtype.itemsize > size:
        raise ValueError("array extends past the end of the file (truncated?)")
    f.seek(offset)
    arr = np.fromfile(f, dtype=dtype, count=count)
    if len(arr) != count or _crc(arr) != int(spec["crc32"]):
        raise ValueError("array checksum mismatch (corrupt?)")
    return arr.reshape(shape)
