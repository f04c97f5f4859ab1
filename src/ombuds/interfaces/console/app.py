"""Adding the console to the API's FastAPI app: its routes, static files and error pages."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response

from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.console import banks, overview, queue, records, reports, rules, signin
from ombuds.interfaces.console.errors import install_error_pages
from ombuds.interfaces.console.web import PREFIX, Console, Refused
from ombuds.records.repos.console_sessions import ConsoleSessionRepository
from ombuds.settings import Settings

# The only files served from static/: nothing else in the package is reachable.
STATIC = {
    "htmx.min.js": "text/javascript; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "NOTICE-htmx.txt": "text/plain; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

static_router = APIRouter(prefix=PREFIX, include_in_schema=False)


@static_router.get("/static/{name}")
def static_file(name: str) -> Response:
    media_type = STATIC.get(name)
    if media_type is None:
        raise Refused(404, f"no static file '{name}'")
    data = resources.files("ombuds.interfaces.console").joinpath("static", name).read_bytes()
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@static_router.get("")
@static_router.get("/")
def home() -> Response:
    return RedirectResponse(f"{PREFIX}/overview", status_code=303)


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the console on `app`; its sessions live in `app.state.console`, and in the
    store of the app's runtime."""

    def repository() -> ConsoleSessionRepository:
        runtime = app.state.runtime
        assert isinstance(runtime, Runtime)
        return runtime.store.console_sessions  # 503 until the store is open

    app.state.console = Console(settings, repository)
    for module in (signin, overview, queue, banks, rules, records, reports):
        app.include_router(module.router)
    app.include_router(static_router)
    install_error_pages(app)
