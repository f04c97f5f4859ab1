"""Bearer API keys and role checks.

Every authenticated request carries its caller (key name and role) in `request.state.caller`
so what it changes can be attributed. Tokens are never logged or echoed back.

Verified keys are cached for a few seconds (`key_cache`): a revoked key is refused at the
latest `KEY_CACHE_SECONDS` after the revocation, an expired one at once. `allow` is a plain
dependency (FastAPI runs it on a worker thread, and code may call it directly); `allow_async`
is the same check on the event loop, which asks the store from a thread only on a cache miss.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from fastapi import Request

from ombuds.interfaces.api.errors import ApiError
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records.repos.keys import ApiKey, Role

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    role: Role
    surface: str = "api"  # or "console": where the key was used, for the ledger

    @property
    def actor(self) -> str:
        """Who the ledger says did it: "api:<key name>" or "console:<key name>"."""
        return f"{self.surface}:{self.name}"


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "send an API key: Authorization: Bearer <key>",
            headers=_CHALLENGE,
        )
    return token.strip()


def _verify(runtime: Runtime, token: str) -> ApiKey | None:
    """The store's answer for a token the cache does not know, remembered if usable."""
    key = runtime.store.authenticate_api_key(token)
    if key is not None:
        runtime.keys.remember(token, key)
    return key


def _caller(request: Request, key: ApiKey | None) -> Caller:
    if key is None:
        raise ApiError(
            401,
            "unauthenticated",
            "the API key is unknown, revoked or expired",
            headers=_CHALLENGE,
        )
    caller = Caller(key.name, key.role)
    request.state.caller = caller
    return caller


def _authenticate(request: Request) -> Caller:
    token = _token(request)
    runtime = runtime_of(request)
    key = runtime.keys.lookup(token) or _verify(runtime, token)
    return _caller(request, key)


async def _authenticate_async(request: Request) -> Caller:
    token = _token(request)
    runtime = runtime_of(request)
    key = runtime.keys.lookup(token)
    if key is None:
        key = await anyio.to_thread.run_sync(_verify, runtime, token)
    return _caller(request, key)


def _admit(caller: Caller, allowed: frozenset[Role]) -> Caller:
    if caller.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise ApiError(
            403, "forbidden", f"role '{caller.role.value}' may not do this (needs: {names})"
        )
    return caller


def allow(*roles: Role) -> Callable[[Request], Caller]:
    """A dependency admitting keys of these roles: 401 without a usable key, 403 otherwise."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Caller:
        return _admit(_authenticate(request), allowed)

    return dependency


def allow_async(*roles: Role) -> Callable[[Request], Awaitable[Caller]]:
    """`allow` for routes that stay on the event loop: no thread hop on a cached key."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Caller:
        return await admit_async(request, allowed)

    return dependency


async def admit_async(request: Request, allowed: frozenset[Role]) -> Caller:
    """The caller if its key is usable and its role allowed: 401 or 403 otherwise."""
    return _admit(await _authenticate_async(request), allowed)


def media_type(*accepted: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency answering 415 unless the body's Content-Type is one of `accepted`."""

    async def dependency(request: Request) -> None:
        check_media_type(request, accepted)

    return dependency


def check_media_type(request: Request, accepted: tuple[str, ...]) -> None:
    """415 unless the body's Content-Type is one of `accepted`."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given not in accepted:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be {' or '.join(accepted)}, not {given or 'missing'}",
        )
