"""The request time limit: every request is answered within OMBUDS_REQUEST_TIMEOUT_S.

A client that sends its body too slowly (a slow-loris) is answered 408 `timeout`; a request
whose body arrived but whose handling ran over is answered 503 `timeout` with Retry-After.
Either way the connection is freed. A response already started is left to finish: its
status cannot change any more.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombuds.interfaces.api.errors import error_response


class RequestTimeout:
    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.timeout_s <= 0:
            await self.app(scope, receive, send)
            return
        body_done = False
        started = False

        async def watched_receive() -> Message:
            nonlocal body_done
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        with anyio.move_on_after(self.timeout_s) as scope_:
            await self.app(scope, watched_receive, watched_send)
        if scope_.cancelled_caught and not started:
            await self._answer(scope, receive, send, body_done)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, body_done: bool) -> None:
        limit = f"{self.timeout_s:g} s (OMBUDS_REQUEST_TIMEOUT_S)"
        if body_done:
            response = error_response(
                503,
                "timeout",
                f"the request was not handled within {limit}",
                None,
                {"Retry-After": "1"},
            )
        else:
            response = error_response(
                408, "timeout", f"the request body did not arrive within {limit}"
            )
        await response(scope, receive, send)
