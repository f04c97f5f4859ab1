"""Queue handlers for testing any queue backend: they echo, fail, hang or kill their worker.

They live in the package (not the tests) because worker processes import handlers by name.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any


def echo(header: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    return {"header": dict(header), "size": len(data), "pid": os.getpid()}


def fail(header: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    raise ValueError(f"cannot handle job {header.get('job')}")


def misbehave(header: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    """Does what the header's `do` says: `hang`, `die`, `die-once` (needs `marker`), or echo."""
    action = header.get("do", "echo")
    if action == "hang":
        time.sleep(3600)
    if action == "die":
        os._exit(3)
    if action == "die-once":
        marker = str(header["marker"])
        if not os.path.exists(marker):
            with open(marker, "w") as fh:
                fh.write("died")
            os._exit(3)
    if action == "allocate":
        _ = bytearray(int(header["bytes"]))
    return echo(header, data)
