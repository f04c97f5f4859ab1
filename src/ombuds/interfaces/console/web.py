"""The console's plumbing: templates, who is signed in, role and CSRF checks, responses.

Every page is rendered on the server. Requests htmx sends (`HX-Request`) get the fragment
they target; others get the whole page, so every page also works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ombuds.interfaces.api.auth import runtime_of
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.console import formatting
from ombuds.interfaces.console.sessions import COOKIE, ConsoleSession, Sessions
from ombuds.records.repos.console_sessions import ConsoleSessionRepository
from ombuds.records.repos.keys import Role
from ombuds.settings import Settings

PREFIX = "/console"
READERS = (Role.MODERATOR, Role.ADMIN, Role.AUDITOR)
NAV = [
    ("/overview", "Overview"),
    ("/queue", "Review queue"),
    ("/banks", "Banks"),
    ("/lexicons", "Lexicons"),
    ("/policies", "Policies"),
    ("/appeals", "Appeals"),
    ("/ledger", "Ledger"),
    ("/reports", "Reports"),
]
# Preview images come from the platform's own host, over http or https; nothing else loads.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    # A preview's host must not learn which console page, case or search showed it.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person, as their API key: name and role."""

    name: str
    role: Role
    csrf: str

    @property
    def actor(self) -> str:
        return f"console:{self.name}"

    @property
    def can_decide(self) -> bool:
        return self.role is Role.MODERATOR

    @property
    def can_manage(self) -> bool:
        return self.role is Role.ADMIN


class Console:
    """What the console keeps while the service runs: templates, and its sessions (whose
    records are in the store)."""

    def __init__(
        self, settings: Settings, repository: Callable[[], ConsoleSessionRepository]
    ) -> None:
        self.settings = settings
        self.sessions = Sessions(repository, idle_s=settings.console_idle_minutes * 60)
        self.templates = Environment(
            loader=PackageLoader("ombuds.interfaces.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters.update(formatting.FILTERS)


class GoTo(Exception):
    """Answer with a redirect (303, or `HX-Redirect` for htmx)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Refused(Exception):
    """Answer with an error page: 401, 403, 404, 409, 422..."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def console_of(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


def runtime(request: Request) -> Runtime:
    return runtime_of(request)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def session_of(request: Request) -> ConsoleSession | None:
    cached = getattr(request.state, "console_session", None)
    if isinstance(cached, ConsoleSession):
        return cached
    session = console_of(request).sessions.get(request.cookies.get(COOKIE))
    request.state.console_session = session
    return session


def set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=console_of(request).settings.console_secure_cookie,
    )


def allow(*roles: Role) -> Callable[[Request], Viewer]:
    """A dependency: the signed-in viewer if their key is still usable and their role fits;
    else the sign-in page (GET) or 401, or a 403 page."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Viewer:
        session = session_of(request)
        if session is None or not session.signed_in or session.role is None:
            if request.method == "GET":
                raise GoTo(f"{PREFIX}/sign-in?next={quote(request.url.path)}")
            raise Refused(401, "your console session has ended: sign in again")
        if not _key_still_usable(request, session):
            console_of(request).sessions.drop(request.cookies.get(COOKIE, ""))
            raise GoTo(f"{PREFIX}/sign-in?ended=key")
        if session.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Refused(403, f"the role '{session.role.value}' may not do this (needs: {names})")
        return Viewer(session.key_name, session.role, session.csrf)

    return dependency


def _key_still_usable(request: Request, session: ConsoleSession) -> bool:
    now = datetime.now(UTC)
    for key in runtime(request).store.list_api_keys():
        if key.key_id == session.key_id:
            return key.name == session.key_name and key.role is session.role and key.usable(now)
    return False


async def csrf_checked(request: Request) -> None:
    """Every POST carries its session's token, as a form field or an `X-CSRF-Token` header."""
    session = session_of(request)
    given = request.headers.get("x-csrf-token", "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf", "")
        given = value if isinstance(value, str) else ""
    if session is None or not session.csrf_ok(given):
        raise Refused(403, "the form is stale or was not sent by this console: reload the page")


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    viewer: Viewer | None = None,
) -> HTMLResponse:
    session = session_of(request)
    values: dict[str, Any] = {
        "viewer": viewer,
        "csrf": session.csrf if session else "",
        "flashes": session.take_flashes() if session else [],
        "path": request.url.path,
        "prefix": PREFIX,
        "nav": NAV,
        "fragment": template.startswith("_"),
    }
    values.update(context or {})
    html = console_of(request).templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def go_to(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={**SECURITY_HEADERS, "HX-Redirect": url})
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def flash(request: Request, kind: str, message: str) -> None:
    session = session_of(request)
    if session is not None:
        session.flash(kind, message)
