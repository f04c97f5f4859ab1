"""Every request is answered within OMBUDS_REQUEST_TIMEOUT_S: a slow body is a 408, slow
handling a 503 with Retry-After, both in the one error shape."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI, Request

from ombuds.interfaces.api.errors import install_error_handlers
from ombuds.interfaces.api.timeouts import RequestTimeout


def _app(timeout_s: float) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/slow")
    async def slow(request: Request) -> dict[str, str]:
        await request.body()
        await asyncio.sleep(5)
        return {"ok": "late"}

    @app.post("/fast")
    async def fast(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app.add_middleware(RequestTimeout, timeout_s=timeout_s)
    return app


async def _call(app: FastAPI, path: str, chunks: list[bytes], gap_s: float) -> list[Any]:
    sent: list[Any] = []
    queue = list(chunks)

    async def receive() -> dict[str, Any]:
        if not queue:
            await asyncio.sleep(60)  # the client went quiet
        chunk = queue.pop(0)
        await asyncio.sleep(gap_s)
        return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "root_path": "",
    }
    await app(scope, receive, send)
    return sent


def _status_and_body(sent: list[Any]) -> tuple[int, bytes, dict[bytes, bytes]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, dict(start["headers"])


@pytest.mark.parametrize(
    ("path", "chunks", "gap", "status"),
    [
        ("/slow", [b"{}"], 0.0, 503),  # handled too slowly
        ("/fast", [b"{", b"}", b" "], 0.2, 408),  # the body trickles in (a slow-loris)
    ],
)
def test_a_request_over_its_time_is_answered_in_the_error_shape(
    path: str, chunks: list[bytes], gap: float, status: int
) -> None:
    sent = asyncio.run(_call(_app(0.3), path, chunks, gap))
    got, body, headers = _status_and_body(sent)
    assert got == status
    assert b'"code":"timeout"' in body and b"OMBUDS_REQUEST_TIMEOUT_S" in body
    assert (b"retry-after" in headers) == (status == 503)


def test_a_request_within_its_time_is_untouched() -> None:
    sent = asyncio.run(_call(_app(2.0), "/fast", [b"{", b"}"], 0.01))
    assert _status_and_body(sent)[:2] == (200, b'{"bytes":2}')


def test_zero_turns_the_limit_off() -> None:
    app = _app(0)
    sent = asyncio.run(_call(app, "/fast", [b"{}"], 0.0))
    assert _status_and_body(sent)[0] == 200
