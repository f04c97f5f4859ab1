"""Bearer API keys and role checks.

Every authenticated request carries its caller (key name and role) in `request.state.caller`
so what it changes can be attributed. Tokens are never logged or echoed back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from ombuds.interfaces.api.errors import ApiError
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records.repos.keys import Role

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    role: Role


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def _authenticate(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "send an API key: Authorization: Bearer <key>",
            headers=_CHALLENGE,
        )
    key = runtime_of(request).store.authenticate_api_key(token.strip())
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


def allow(*roles: Role) -> Callable[[Request], Caller]:
    """A dependency admitting keys of these roles: 401 without a usable key, 403 otherwise."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    def dependency(request: Request) -> Caller:
        caller = _authenticate(request)
        if caller.role not in allowed:
            raise ApiError(
                403, "forbidden", f"role '{caller.role.value}' may not do this (needs: {names})"
            )
        return caller

    return dependency


def media_type(*accepted: str) -> Callable[[Request], None]:
    """A dependency answering 415 unless the body's Content-Type is one of `accepted`."""

    def dependency(request: Request) -> None:
        given = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if given not in accepted:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Content-Type must be {' or '.join(accepted)}, not {given or 'missing'}",
            )

    return dependency
