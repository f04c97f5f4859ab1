"""Signing in with an API key (moderator, admin or auditor) and signing out.

The key is read from the form, checked, and dropped: it is never logged, stored or echoed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ombuds.interfaces.console.sessions import COOKIE
from ombuds.interfaces.console.web import (
    PREFIX,
    READERS,
    SECURITY_HEADERS,
    console_of,
    csrf_checked,
    render,
    runtime,
    session_of,
    set_cookie,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)
_ENDED = {"key": "Your API key was revoked or has expired: sign in with another."}


def _safe_next(target: str) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    if target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/overview"


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "", ended: str = "") -> Response:
    session = session_of(request)
    if session is not None and session.signed_in:
        return RedirectResponse(_safe_next(next), status_code=303, headers=SECURITY_HEADERS)
    token = None
    if session is None:
        token, session = console_of(request).sessions.new()
        request.state.console_session = session
    context = {"next": _safe_next(next), "notice": _ENDED.get(ended, ""), "error": ""}
    response = render(request, "sign_in.html", context)
    if token is not None:
        set_cookie(request, response, token)
    return response


@router.post("/sign-in", dependencies=[Depends(csrf_checked)])
def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    found = runtime(request).store.authenticate_api_key(key.strip()) if key.strip() else None
    error = ""
    if found is None:
        error = "That key is unknown, revoked or expired."
    elif found.role not in READERS:
        error = f"A {found.role.value} key cannot sign in to the console."
    if found is None or error:
        context = {"next": _safe_next(next), "notice": "", "error": error}
        return render(request, "sign_in.html", context, status=401 if found is None else 403)
    sessions = console_of(request).sessions
    token = sessions.sign_in(request.cookies.get(COOKIE), found.name, found.key_id, found.role)
    response = RedirectResponse(_safe_next(next), status_code=303, headers=SECURITY_HEADERS)
    set_cookie(request, response, token)
    return response


@router.post("/sign-out", dependencies=[Depends(csrf_checked)])
def sign_out(request: Request) -> Response:
    console_of(request).sessions.drop(request.cookies.get(COOKIE, ""))
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
