"""Running the app under uvicorn, and writing its OpenAPI document.

python -m ombuds.interfaces.api.server openapi docs/openapi.json
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ombuds.errors import MissingExtraError
from ombuds.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def serve(settings: Settings, host: str, port: int, *, access_log: bool = False) -> None:
    """Run the app in this process until SIGINT or SIGTERM.

    uvicorn picks uvloop and httptools (the `api` extra) when installed: about twice the
    requests per second of asyncio and h11. The access log is off by default: one line per
    request costs about a tenth of a light request's time. With it on, lines show method,
    path and status; tokens travel in headers and are never logged.
    """
    try:
        import uvicorn

        from ombuds.interfaces.api import create_app
    except ModuleNotFoundError as exc:
        raise MissingExtraError(exc.name or "fastapi", "api") from exc
    app = create_app(settings)
    threading.Thread(target=_settle_when_loaded, args=(app,), daemon=True).start()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        timeout_keep_alive=max(1, round(settings.keep_alive_s)),
    )


def _settle_when_loaded(app: FastAPI) -> None:
    """Once the lifespan has built the runtime and it has loaded the engine, freeze the heap
    (see `settle_heap`). A daemon thread: it ends with the process if loading never ends."""
    from ombuds.interfaces.api.runtime import Runtime, settle_heap

    while (runtime := getattr(app.state, "runtime", None)) is None:
        time.sleep(0.1)
    assert isinstance(runtime, Runtime)
    if runtime.wait_ready():
        settle_heap()


def openapi_json() -> str:
    """The OpenAPI document, deterministic so the checked-in copy can be compared."""
    from ombuds.interfaces.api import create_app

    return json.dumps(create_app(Settings()).openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "openapi":
        print("usage: python -m ombuds.interfaces.api.server openapi PATH", file=sys.stderr)
        return 2
    Path(argv[1]).write_text(openapi_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
