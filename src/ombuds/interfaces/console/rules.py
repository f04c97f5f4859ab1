"""Lexicons (browse, try a message) and policies (browse, dry-run a draft).

Trying a message and dry-running a draft change nothing: both are open to every reader.
They are POSTs so that a message or a draft never lands in a URL, a log or the history.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ombuds.domain import Evidence, Policy, Signal
from ombuds.engine import Engine
from ombuds.engine.dry_run import BankReplay, dry_run
from ombuds.errors import InputError, NotFoundError
from ombuds.interfaces.api.runtime import Runtime
from ombuds.interfaces.console.formatting import segments
from ombuds.interfaces.console.web import (
    PREFIX,
    READERS,
    Viewer,
    allow,
    csrf_checked,
    is_htmx,
    render,
    runtime,
)
from ombuds.matching.text import compile_lexicons
from ombuds.records import dump_policy_json, parse_policy_json

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
MAX_TRY_CHARS = 10_000
MAX_DRY_RUN = 10_000


def _using(policies: Sequence[Policy], field: str) -> dict[str, list[str]]:
    using: dict[str, list[str]] = {}
    for policy in policies:
        for name in getattr(policy, field):
            using.setdefault(name, []).append(policy.name)
    return using


@router.get("/lexicons")
def lexicons_page(request: Request, viewer: Reader) -> Response:
    store = runtime(request).store
    context = {
        "lexicons": store.list_lexicons(),
        "using": _using(store.list_policies(), "lexicons"),
    }
    return render(request, "lexicons.html", context, viewer=viewer)


@router.get("/lexicons/{name}")
def lexicon_page(request: Request, name: str, viewer: Reader) -> Response:
    store = runtime(request).store
    context = {
        "lexicon": store.get_lexicon(name),
        "using": _using(store.list_policies(), "lexicons").get(name, []),
        "tried": None,
    }
    return render(request, "lexicon.html", context, viewer=viewer)


@router.post("/lexicons/{name}/try", dependencies=[Depends(csrf_checked)])
def try_message(
    request: Request,
    name: str,
    viewer: Reader,
    text: Annotated[str, Form(max_length=MAX_TRY_CHARS)] = "",
) -> Response:
    """Which rules a message triggers, highlighted in the text as the matcher reads it."""
    rt = runtime(request)
    lexicon = rt.store.get_lexicon(name)
    matcher = compile_lexicons([lexicon], backend=rt.settings.text_backend)
    normalized, found = matcher.match_with_text(text)
    spans = [span for e in found for span in e.spans]
    tried = {"text": text, "normalized": normalized, "found": found}
    tried["pieces"] = segments(normalized, spans)
    context: dict[str, Any] = {"lexicon": lexicon, "tried": tried}
    if is_htmx(request):
        return render(request, "_tried.html", context, viewer=viewer)
    context["using"] = _using(rt.store.list_policies(), "lexicons").get(name, [])
    return render(request, "lexicon.html", context, viewer=viewer)


@router.get("/policies")
def policies_page(request: Request, viewer: Reader) -> Response:
    context = {"policies": runtime(request).store.list_policies()}
    return render(request, "policies.html", context, viewer=viewer)


@router.get("/policies/{name}")
def policy_page(request: Request, name: str, viewer: Reader) -> Response:
    policy = runtime(request).store.get_policy(name)
    draft = dump_policy_json(policy)
    context = {"policy": policy, "draft": draft, "limit": 500, "run": None, "error": ""}
    return render(request, "policy.html", context, viewer=viewer)


@router.post("/policies/dry-run", dependencies=[Depends(csrf_checked)])
def dry_run_page(
    request: Request,
    viewer: Reader,
    draft: Annotated[str, Form(max_length=1_000_000)],
    limit: Annotated[int, Form(ge=1, le=MAX_DRY_RUN)] = 500,
) -> Response:
    """The draft (policy JSON) replayed over the latest `limit` decisions of its policy."""
    rt = runtime(request)
    context: dict[str, Any] = {"draft": draft, "limit": limit, "run": None, "error": ""}
    policy: Policy | None = None
    try:
        policy = parse_policy_json(draft, file="draft")
        _check_references(rt, policy)
    except InputError as exc:
        policy = None
        where = f"line {exc.line}: " if exc.line is not None else ""
        field = f" ({exc.field})" if exc.field else ""
        context["error"] = f"{where}{exc.message}{field}"
    else:
        context["run"] = _run(rt, policy, limit)
    context["policy"] = policy
    template = "_dry_run.html" if is_htmx(request) else "policy.html"
    return render(request, template, context, viewer=viewer)


def _check_references(rt: Runtime, policy: Policy) -> None:
    store = rt.store
    banks = {bank.name for bank, _ in store.list_banks()}
    lexicons = {lexicon.name for lexicon in store.list_lexicons()}
    for i, name in enumerate(policy.banks):
        if name not in banks:
            raise InputError(f"no bank named '{name}'", field=f"banks[{i}]")
    for i, name in enumerate(policy.lexicons):
        if name not in lexicons:
            raise InputError(f"no lexicon named '{name}'", field=f"lexicons[{i}]")


def _run(rt: Runtime, policy: Policy, limit: int) -> Any:
    store = rt.store
    try:
        current: Policy | None = store.get_policy(policy.name)
    except NotFoundError:
        current = None
    decisions = store.recent_decisions(limit=limit, policy=policy.name)
    return dry_run(policy, decisions, current=current, replay_banks=_replayer(rt))


def _replayer(rt: Runtime) -> BankReplay:
    """Stored signals against banks as the running engine's indexes hold them now."""

    def replay(signals: Sequence[Signal], banks: Collection[str]) -> list[Evidence]:
        now = datetime.now(UTC)

        def look(engine: Engine) -> list[Evidence]:
            matcher = engine.bank_matcher
            exact = [s for s in signals if s.signal_type in matcher.signal_type_names]
            found = matcher.match(exact, banks, now) if exact else []
            deferred = engine.deferred
            pdq = [{"type": s.signal_type, "value": s.value} for s in signals]
            if deferred is not None and any(s.signal_type == "pdq" for s in signals):
                found += deferred.perceptual.match(pdq, banks, now)
            return found

        return rt.inspect(look)

    return replay
