"""Errors under /console are pages (or htmx fragments), not the API's JSON.

The API's handlers stay in charge of every other path: each is wrapped so that it is
consulted first for anything outside the console.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ombuds.errors import ConflictError, InputError, NotFoundError, OmbudsError
from ombuds.interfaces.api.errors import field_path
from ombuds.interfaces.console.web import PREFIX, GoTo, Refused, go_to, is_htmx, render

log = logging.getLogger("ombuds.console")
Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def _status_and_message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, Refused):
        return exc.status, exc.message
    if isinstance(exc, OmbudsError):
        where = f" ({exc.field})" if exc.field else ""
        if isinstance(exc, NotFoundError):
            return 404, exc.message
        if isinstance(exc, ConflictError):
            return 409, exc.message
        if isinstance(exc, InputError):
            return 422, f"{exc.message}{where}"
    if isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
        first = errors[0] if errors else {"loc": (), "msg": "invalid form"}
        name = field_path(first.get("loc", ()))
        return 422, f"{first['msg']}" + (f" ({name})" if name else "")
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    log.error("unexpected %s in the console", type(exc).__name__, exc_info=exc)
    return 500, "internal error"


def error_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, GoTo):
        return go_to(request, exc.url)
    status, message = _status_and_message(exc)
    template = "_error.html" if is_htmx(request) else "error.html"
    return render(request, template, {"status": status, "message": message}, status=status)


def _for_console(original: Handler | None) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX) or original is None:
            return error_page(request, exc)
        answer = original(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    return handler


def install_error_pages(app: FastAPI) -> None:
    """Console exceptions render pages; the API's handlers are wrapped, not replaced."""
    app.add_exception_handler(GoTo, error_page)
    app.add_exception_handler(Refused, error_page)
    for kind in (OmbudsError, RequestValidationError, HTTPException, Exception):
        original = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _for_console(original))
