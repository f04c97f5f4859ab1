"""One error shape for every failed request: `{"error": {"code", "message", "field"}}`.

Clients branch on `code` (stable, snake_case), show `message` to people, and use `field`
(a JSON path such as `items[3].text`, or null) to point at what to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ombuds.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    OmbudsError,
    UnknownSignalTypeError,
)

log = logging.getLogger("ombuds.api")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """The body of every 4xx and 5xx response."""

    error: ErrorDetail


class ApiError(HTTPException):
    """An HTTP-level refusal. A Starlette HTTPException, so FastAPI passes it through as is
    even when it is raised while the body is being read (the size limit)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.field = field


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def field_path(loc: Sequence[int | str]) -> str | None:
    """`("body", "items", 3, "text")` -> `items[3].text`; the request part is dropped."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


def _status_of(exc: OmbudsError) -> tuple[int, str]:
    if isinstance(exc, InputError | UnknownSignalTypeError):
        return 422, "invalid_input"
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, ConflictError):
        return 409, "conflict"
    return 500, "internal"


async def _on_ombuds_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OmbudsError)
    status, code = _status_of(exc)
    if status == 500:
        log.error("unexpected %s: %s", type(exc).__name__, exc)
        return error_response(500, code, "internal error")
    return error_response(status, code, exc.message, exc.field)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_response([dict(e) for e in exc.errors()])


def malformed_json(reason: str) -> str:
    return f"request body is not valid JSON: {reason}"


def validation_response(errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    """422 for pydantic's errors, from FastAPI's validation or a model's own."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx")
        reason = ctx.get("error", "invalid JSON") if isinstance(ctx, dict) else "invalid JSON"
        return error_response(422, "malformed_json", malformed_json(reason))
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    message = f"{first['msg']}{more}"
    return error_response(422, "invalid_request", message, field_path(first.get("loc", ())))


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.field, exc.headers)
    if exc.status_code == 400:
        # The framework's 400 for a body it cannot parse (JSON that is not UTF-8, broken
        # multipart): a 422 like any other malformed body, as the OpenAPI document says.
        if isinstance(exc.__cause__, UnicodeDecodeError):
            return error_response(422, "malformed_json", malformed_json("not UTF-8"))
        return error_response(422, "invalid_request", f"body not parsable: {exc.detail}")
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), None, exc.headers)


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The message may quote request data; the log keeps the type and the traceback only.
    log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return error_response(500, "internal", "internal error")


_HANDLERS = (
    (OmbudsError, _on_ombuds_error),
    (RequestValidationError, _on_validation_error),
    (HTTPException, _on_http_error),
    (Exception, _on_unexpected),
)


def install_error_handlers(app: FastAPI) -> None:
    for kind, handler in _HANDLERS:
        app.add_exception_handler(kind, handler)


async def respond_to(request: Request, exc: Exception) -> JSONResponse:
    """The response the app's handlers give for `exc`, for code that answers outside the
    framework's routing (the submission fast path): one error shape everywhere."""
    # The last kind is Exception, so there is always one.
    handler = next(handler for kind, handler in _HANDLERS if isinstance(exc, kind))
    return await handler(request, exc)


# What every route may answer besides its success, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        401: "No, malformed, wrong, revoked or expired API key.",
        403: "The key's role may not call this endpoint.",
        404: "No such route, bank, entry or decision.",
        409: "The name or entry exists already.",
        413: "The request body is over OMBUDS_MAX_REQUEST_BYTES.",
        415: "The body's Content-Type is not the one the endpoint takes.",
        422: "Malformed JSON, a wrong type or a value that cannot be used; `field` names it.",
        408: "The request body did not arrive within OMBUDS_REQUEST_TIMEOUT_S (`timeout`).",
        503: "`not_ready`: still loading the engine and indexes; `not_recorded`: the database "
        "refused this submission's decisions (nothing kept; retry after Retry-After); "
        "`timeout`: not handled within OMBUDS_REQUEST_TIMEOUT_S.",
    }.items()
}
