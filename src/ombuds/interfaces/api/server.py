"""Running the app under uvicorn, and writing its OpenAPI document.

python -m ombuds.interfaces.api.server openapi docs/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ombuds.errors import MissingExtraError
from ombuds.settings import Settings


def serve(settings: Settings, host: str, port: int) -> None:
    try:
        import uvicorn

        from ombuds.interfaces.api import create_app
    except ModuleNotFoundError as exc:
        raise MissingExtraError(exc.name or "fastapi", "api") from exc
    # Access lines show method, path and status; tokens travel in headers, never logged.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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
