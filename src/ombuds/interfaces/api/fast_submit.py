"""The two submission routes answered without the framework's per-request machinery.

`POST /v1/content` and `POST /v1/content/batch` are what a platform calls thousands of times
a second. Through FastAPI each costs its routing, dependency resolution, validation from a
decoded dict and response encoding through `jsonable_encoder`: several times what deciding
a text item costs. This ASGI layer answers exactly those two requests itself with the same
steps (415 unless JSON, the platform key check, the same pydantic models validated from the
raw bytes, the same deciding code in `content`) and the same error shape (`respond_to`);
everything else goes on to the app. The routes stay declared in FastAPI for the OpenAPI
document, and the tests run each request through both paths.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ombuds.interfaces.api.auth import admit_async, check_media_type
from ombuds.interfaces.api.content import decide_batch, decide_one
from ombuds.interfaces.api.errors import (
    ApiError,
    malformed_json,
    respond_to,
    validation_response,
)
from ombuds.interfaces.api.models import BatchIn, ContentIn
from ombuds.records.repos.keys import Role

_PLATFORM = frozenset({Role.PLATFORM})


@dataclass(frozen=True, slots=True)
class _Template:
    path: str


class FastSubmit:
    """ASGI middleware: the innermost one, so limits, timeouts and metrics still apply."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        # What the router would set: metrics and key use label requests by route template.
        scope["route"] = _Template(scope["path"])
        request = Request(scope, receive)
        try:
            response: Response = _json_response(await route(request))
        except ClientDisconnect:
            return  # gone before its body arrived: nothing was decided, no one to answer
        except ValidationError as exc:
            response = validation_response(exc.errors(include_url=False))
        except Exception as exc:
            response = await respond_to(request, exc)
        await response(scope, receive, send)


async def _admitted(request: Request, model: type[BaseModel]) -> Any:
    """The body as `model`, once the media type and the caller are checked (in that order,
    as the routes' dependencies do); a body is never parsed for an unknown caller."""
    check_media_type(request, ("application/json",))
    await admit_async(request, _PLATFORM)
    body = await request.body()
    # json.loads then validation, as FastAPI does, so malformed bodies get the same words.
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ApiError(422, "malformed_json", malformed_json(exc.msg)) from None
    except UnicodeDecodeError:
        raise ApiError(422, "malformed_json", malformed_json("not UTF-8")) from None
    return model.model_validate(parsed)


async def _one(request: Request) -> dict[str, Any]:
    item: ContentIn = await _admitted(request, ContentIn)
    return await decide_one(request, item)


async def _batch(request: Request) -> dict[str, Any]:
    batch: BatchIn = await _admitted(request, BatchIn)
    return await decide_batch(request, batch)


def _json_response(body: dict[str, Any]) -> Response:
    # pydantic-core's encoder: the same compact UTF-8 JSON as Starlette's JSONResponse,
    # several times faster than the json module on a batch's 500 decisions.
    return Response(to_json(body), media_type="application/json")


_ROUTES: dict[str, Callable[[Request], Awaitable[dict[str, Any]]]] = {
    "/v1/content": _one,
    "/v1/content/batch": _batch,
}
