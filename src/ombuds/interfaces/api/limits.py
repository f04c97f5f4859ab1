"""The request size limit, enforced before a body is read whole."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombuds.interfaces.api.errors import ApiError, error_response


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"request body is over the limit of {limit:,} bytes (OMBUDS_MAX_REQUEST_BYTES)",
    )


class BodyLimit:
    """Refuses bodies over `limit` bytes: at once when Content-Length says so, else (a
    chunked body) as soon as the bytes received pass the limit, without buffering them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > self.limit:
            error = _too_large(self.limit)
            response = error_response(413, error.code, error.message)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the body read, so the route's handlers answer 413.
                    raise _too_large(self.limit)
            return message

        await self.app(scope, counting_receive, send)
