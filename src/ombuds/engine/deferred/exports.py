"""Exports of the PDQ index for the deferred workers, kept fresh in the background.

Why the lookup leaves the engine's process: run here, one lookup is ~100 small numpy calls,
most of which drop and retake the GIL, while the inline thread drops it around every
Hyperscan scan; the two then hand the GIL back and forth and the inline tier loses a fifth
of its throughput with the deferred tier saturated (docs/benchmarks.md, "Deferred
isolation"). So a worker looks up against a file written by `PDQIndex.export_rows`, and the
engine only reconciles what it found with the live index (`PDQIndex.reconcile`): hits of
entries removed since are dropped, entries added since are scanned here.

A new export is written, by a thread of its own, when a rebuild has renumbered the rows or
more than `max_tail` rows were added since the last one, so what is scanned here stays small.
Until the first export exists, lookups stay in the engine's process, as before.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from ombuds.matching.perceptual import ExportMark, PDQIndex

log = logging.getLogger(__name__)
DEFAULT_MAX_TAIL = 4096  # rows added since the export, brute-forced per hash: ~50 us of numpy


class IndexExports:
    def __init__(self, index: PDQIndex, *, max_tail: int = DEFAULT_MAX_TAIL) -> None:
        self._index = index
        self._max_tail = max_tail
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self._remove_dir: weakref.finalize[..., Any] | None = None
        self._files: list[Path] = []  # the current export last, the one before it first
        self._written = 0
        self._current: tuple[Path, ExportMark] | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def current(self) -> dict[str, Any] | None:
        """The export a job should name (path, epoch, rows), or None: look up here. Starts a
        fresh export in the background when this one is missing or stale."""
        current = self._current
        behind = None if current is None else self._index.rows_since(current[1])
        if behind is None or behind > self._max_tail:
            self._refresh()
        if current is None or behind is None:
            return None
        path, mark = current
        return {"path": str(path), **mark.as_json()}

    def _refresh(self) -> None:
        if self._current is None and len(self._index) == 0:
            return  # an empty index costs nothing to search here
        with self._lock:
            if self._closed or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(
                target=self._export, name="ombuds-pdq-export", daemon=True
            )
            self._thread.start()

    def _export(self) -> None:
        try:
            with self._lock:
                if self._dir is None:
                    self._dir = Path(tempfile.mkdtemp(prefix="ombuds-pdq-"))
                    # Removed by close(), or at exit if nobody closed the deferred tier.
                    self._remove_dir = weakref.finalize(self, shutil.rmtree, self._dir, True)
                self._written += 1
                path = self._dir / f"rows-{self._written}.pdq"
            mark = self._index.export_rows(path)
        except Exception:  # lookups stay in the engine's process; the next job tries again
            log.exception("could not export the PDQ index for the deferred workers")
            return
        with self._lock:
            if self._closed:
                path.unlink(missing_ok=True)
                return
            self._current = (path, mark)
            self._files.append(path)
            # The previous file stays: a queued job may name it. A job naming an older one
            # finds it gone, and its lookup is done here instead.
            for old in self._files[:-2]:
                old.unlink(missing_ok=True)
            self._files = self._files[-2:]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join(timeout=60)
        if self._remove_dir is not None:
            self._remove_dir()
