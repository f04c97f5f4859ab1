"""Snapshot file of an exact index: an uncompressed zip holding a JSON manifest and one `.npy`
array of canonical rows per signal type. No pickle anywhere: arrays are read with
`allow_pickle=False` and the manifest is plain JSON. Zip's per-member CRC catches bit rot and
truncation; the manifest's shape and the sort order are checked on load, since a wrong order
would make lookups silently miss.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy

from ombuds.errors import ConfigError
from ombuds.matching.exact._codec import MAX_DIGEST_BYTES, TOMBSTONE, Rows

FORMAT = "ombuds.exact-index"
VERSION = 1
MANIFEST = "manifest.json"
_DTYPE = np.dtype("<u8")  # fixed on disk, whatever the machine's byte order


def write(path: Path, tables: dict[str, tuple[int, Rows]]) -> None:
    """Write `tables` (signal type -> (digest width, canonical rows)) atomically to `path`."""
    entries = []
    for n, (signal_type, (nbytes, rows)) in enumerate(sorted(tables.items())):
        entries.append(
            {"signal_type": signal_type, "nbytes": nbytes, "rows": len(rows), "member": f"t{n}.npy"}
        )
    manifest = {"format": FORMAT, "version": VERSION, "tables": entries}
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=1))
                for entry in entries:
                    _, rows = tables[str(entry["signal_type"])]
                    with zf.open(str(entry["member"]), "w", force_zip64=True) as member:
                        npy.write_array(member, rows.astype(_DTYPE, copy=False), allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The rename is durable only once the directory entry is on disk too.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read(path: Path) -> dict[str, tuple[int, Rows]]:
    """The tables of a snapshot; ConfigError naming the file if it cannot be used."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _manifest(zf)
            tables: dict[str, tuple[int, Rows]] = {}
            for entry in manifest:
                signal_type, nbytes, count, member = entry
                if signal_type in tables:
                    raise _Corrupt(f"signal type {signal_type!r} appears twice")
                tables[signal_type] = (nbytes, _array(zf, member, nbytes, count))
            return tables
    except _Corrupt as exc:
        raise ConfigError(f"corrupt exact-index snapshot: {exc}", file=str(path)) from None
    except FileNotFoundError:
        raise ConfigError("exact-index snapshot does not exist", file=str(path)) from None
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"corrupt exact-index snapshot: {exc}", file=str(path)) from None


class _Corrupt(Exception):
    pass


def _manifest(zf: zipfile.ZipFile) -> list[tuple[str, int, int, str]]:
    try:
        data: Any = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise _Corrupt("no manifest.json") from None
    except ValueError as exc:
        raise _Corrupt(f"manifest.json is not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _Corrupt(f"not an {FORMAT} file")
    if data.get("version") != VERSION:
        raise _Corrupt(f"format version {data.get('version')!r}, this Ombuds reads {VERSION}")
    entries = data.get("tables")
    if not isinstance(entries, list):
        raise _Corrupt("manifest has no table list")
    out = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _Corrupt("manifest table entry is not an object")
        signal_type, nbytes = entry.get("signal_type"), entry.get("nbytes")
        count, member = entry.get("rows"), entry.get("member")
        if not (
            isinstance(signal_type, str)
            and type(nbytes) is int
            and 1 <= nbytes <= MAX_DIGEST_BYTES
            and type(count) is int
            and count >= 0
            and isinstance(member, str)
        ):
            raise _Corrupt(f"malformed manifest table entry {entry!r}")
        out.append((signal_type, nbytes, count, member))
    return out


def _array(zf: zipfile.ZipFile, member: str, nbytes: int, count: int) -> Rows:
    words = -(-nbytes // 8)
    with zf.open(member) as fh:
        rows = npy.read_array(fh, allow_pickle=False)
        if fh.read(1):  # reaching the end also makes zipfile check the member's CRC
            raise _Corrupt(f"{member} has trailing data")
    if rows.dtype != _DTYPE or rows.shape != (count, words + 1):
        raise _Corrupt(
            f"{member} holds {rows.dtype}{rows.shape}, manifest says uint64({count}, {words + 1})"
        )
    rows = rows.astype(np.uint64, copy=False)
    if count and not bool(np.all(rows[1:, 0] >= rows[:-1, 0])):
        raise _Corrupt(f"{member} is not sorted")
    if count and int(rows[:, words].max()) >= TOMBSTONE:
        raise _Corrupt(f"{member} holds a ref out of range")
    return rows
