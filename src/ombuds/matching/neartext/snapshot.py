"""Snapshot of a NearTextIndex: two .npy files and a JSON manifest in a folder, no pickle.

    <folder>/manifest.json               format, version, count, per-file name, shape, SHA-256
    <folder>/signatures-<generation>.npy  (n, 128) little-endian uint32
    <folder>/refs-<generation>.npy        (n,) little-endian int64

Only live signatures and their refs are stored; the bands are rebuilt on load. A save writes
new generation files, then replaces the manifest atomically (the commit point), then deletes
files of older generations, so a reader or a crash at any moment sees one whole snapshot.
Arrays are read with `allow_pickle=False` and checked against the manifest's digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ombuds.errors import ConfigError

FORMAT = "ombuds-neartext-index"
VERSION = 1
MANIFEST = "manifest.json"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_npy(folder: Path, name: str, array: npt.NDArray[Any]) -> dict[str, Any]:
    path = folder / name
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {
        "name": name,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "sha256": _digest(path),
    }


def write(
    folder: Path, signatures: npt.NDArray[np.uint32], refs: npt.NDArray[np.int64], num_perm: int
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    generation = secrets.token_hex(8)
    files = {
        "signatures": _write_npy(
            folder, f"signatures-{generation}.npy", np.ascontiguousarray(signatures, dtype="<u4")
        ),
        "refs": _write_npy(
            folder, f"refs-{generation}.npy", np.ascontiguousarray(refs, dtype="<i8")
        ),
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "num_perm": num_perm,
        "count": len(refs),
        "generation": generation,
        "files": files,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    keep = {spec["name"] for spec in files.values()}
    for old in [*folder.glob("signatures-*.npy"), *folder.glob("refs-*.npy")]:
        if old.name not in keep:
            old.unlink(missing_ok=True)


def _bad(folder: Path, why: str) -> ConfigError:
    return ConfigError(f"near-text index snapshot is unusable: {why}", file=str(folder))


def _read_npy(folder: Path, spec: Any, dtype: str, ndim: int) -> npt.NDArray[Any]:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise _bad(folder, "manifest lists a file without a name")
    name = spec["name"]
    if Path(name).name != name:
        raise _bad(folder, f"manifest names a file outside the folder: {name!r}")
    path = folder / name
    if not path.is_file():
        raise _bad(folder, f"{name} is missing")
    if _digest(path) != spec.get("sha256"):
        raise _bad(folder, f"{name} does not match the manifest's SHA-256")
    try:
        array: npt.NDArray[Any] = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise _bad(folder, f"{name} is not a readable .npy file: {exc}") from exc
    if array.dtype.str != dtype or array.ndim != ndim or list(array.shape) != spec.get("shape"):
        raise _bad(folder, f"{name} holds {array.dtype.str} {array.shape}, not what it should")
    return array


def read(folder: Path, num_perm: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _bad(folder, f"no {MANIFEST}") from exc
    except (OSError, ValueError) as exc:
        raise _bad(folder, f"{MANIFEST} is not readable JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad(folder, f"{MANIFEST} is not an {FORMAT} manifest")
    if manifest.get("version") != VERSION:
        raise _bad(folder, f"unsupported version {manifest.get('version')!r}")
    if manifest.get("num_perm") != num_perm:
        raise _bad(folder, f"signatures have {manifest.get('num_perm')!r} values, not {num_perm}")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise _bad(folder, "manifest has no file list")
    signatures = _read_npy(folder, files.get("signatures"), "<u4", 2)
    refs = _read_npy(folder, files.get("refs"), "<i8", 1)
    if signatures.shape[1] != num_perm or len(signatures) != len(refs):
        raise _bad(folder, "signature and ref counts disagree")
    if len(refs) != manifest.get("count") or len(np.unique(refs)) != len(refs):
        raise _bad(folder, "refs are not unique or not as many as the manifest says")
    return signatures.astype(np.uint32), refs.astype(np.int64)
