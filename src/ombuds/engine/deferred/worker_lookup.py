"""The deferred queue's handler: the usual analysis, then the PDQ lookups, in the worker.

A job whose header names an index export (`pdq_lookup`: path, epoch, rows, threshold; see
exports.py) gets, on every PDQ signal, a `lookup` with what the export holds within the
threshold: `hits` as [row, distance] pairs. The engine turns those into bank entries as of
the moment the result arrives (`PDQIndex.reconcile`). If the export cannot be read (a newer
one replaced it), the signal goes back without `lookup` and the engine looks it up itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ombuds.engine.deferred.analysis import handle as analyse
from ombuds.errors import ConfigError
from ombuds.matching.perceptual import PDQIndex

log = logging.getLogger(__name__)


class _Loaded:
    """The export this worker process last loaded: one at a time, loaded on first use."""

    path = ""
    index: PDQIndex | None = None

    @classmethod
    def get(cls, path: str) -> PDQIndex | None:
        if path != cls.path:
            cls.path, cls.index = path, None  # drop the old table before building the new one
            try:
                # One thread: this process is one core's worth of deferred work already.
                cls.index = PDQIndex.load(Path(path), threads=1)
            except ConfigError as exc:
                log.warning("PDQ index export unusable, lookups go back to the engine: %s", exc)
        return cls.index


def handle(header: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    result = analyse(header, data)
    spec = header.get("pdq_lookup")
    signals = [s for s in result["signals"] if s.get("type") == "pdq"]
    if not spec or not signals:
        return result
    index = _Loaded.get(str(spec["path"]))
    if index is None:
        return result
    threshold = int(spec["threshold"])
    found = index.query_many([str(s["value"]) for s in signals], threshold=threshold)
    for signal, matches in zip(signals, found, strict=True):
        signal["lookup"] = {
            "epoch": int(spec["epoch"]),
            "rows": int(spec["rows"]),
            "threshold": threshold,
            "hits": [[m.ref, m.distance] for m in matches],
        }
    return result
