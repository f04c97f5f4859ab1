"""Lexicons: admins write them, moderators and auditors read them. A body is the JSON of a
lexicon file (`ombuds.lexicon/1`), validated and compiled before anything is stored; the
running engine then swaps in a text matcher compiled for the change, without holding up
submissions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ombuds.domain import Lexicon, RuleKind
from ombuds.errors import InputError, LexiconError
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.documents import (
    LexiconDoc,
    LexiconsOut,
    body_of,
    parse_document,
    raw_body,
)
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.matching.text import compile_lexicons
from ombuds.records.files import parse_lexicon_json
from ombuds.records.files.lexicon_file import lexicon_to_dict
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/lexicons", tags=["lexicons"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
Raw = Annotated[bytes, Depends(raw_body)]
_JSON = [Depends(media_type("application/json"))]
_KIND_FIELD = {RuleKind.TERM: "term", RuleKind.COMBINATION: "terms", RuleKind.PATTERN: "pattern"}


def _checked(request: Request, raw: bytes) -> Lexicon:
    """The body as a lexicon, compiled once to catch what only the matcher rejects."""
    lexicon = parse_document(raw, lambda text: parse_lexicon_json(text, file="request body"))
    try:
        compile_lexicons([lexicon], backend=runtime_of(request).settings.text_backend)
    except LexiconError as exc:
        raise InputError(exc.message, field=_rule_field(lexicon, exc.field)) from None
    return lexicon


def _rule_field(lexicon: Lexicon, rule_id: str | None) -> str | None:
    """The compiler names a rule by id; the caller wants its place in the body."""
    for i, rule in enumerate(lexicon.rules):
        if rule.rule_id == rule_id:
            return f"rules[{i}].{_KIND_FIELD[rule.kind]}"
    return rule_id


def _save(request: Request, lexicon: Lexicon, caller: Caller, *, replace: bool) -> None:
    runtime = runtime_of(request)
    runtime.store.save_lexicon(lexicon, actor=caller.actor, replace=replace)
    runtime.reconfigure()


@router.get("", responses={200: {"model": LexiconsOut}, **ERROR_RESPONSES}, summary="List")
def list_lexicons(request: Request, _caller: Readers) -> dict[str, Any]:
    lexicons = runtime_of(request).store.list_lexicons()
    return {
        "lexicons": [
            {
                "name": lexicon.name,
                "description": lexicon.description,
                "separator_insensitive": lexicon.separator_insensitive,
                "rules": len(lexicon.rules),
            }
            for lexicon in lexicons
        ]
    }


@router.get(
    "/{name}",
    responses={200: {"model": LexiconDoc}, **ERROR_RESPONSES},
    summary="One lexicon, as its file",
)
def get_lexicon(request: Request, name: str, _caller: Readers) -> dict[str, Any]:
    return lexicon_to_dict(runtime_of(request).store.get_lexicon(name))


@router.post(
    "",
    status_code=201,
    dependencies=_JSON,
    openapi_extra=body_of(LexiconDoc),
    responses={201: {"model": LexiconDoc}, **ERROR_RESPONSES},
    summary="Create a lexicon (409 if the name exists)",
)
def create_lexicon(request: Request, raw: Raw, caller: Admin) -> dict[str, Any]:
    lexicon = _checked(request, raw)
    _save(request, lexicon, caller, replace=False)
    return lexicon_to_dict(lexicon)


@router.put(
    "/{name}",
    dependencies=_JSON,
    openapi_extra=body_of(LexiconDoc),
    responses={200: {"model": LexiconDoc}, **ERROR_RESPONSES},
    summary="Create or replace a lexicon (its rules as a whole)",
)
def put_lexicon(request: Request, name: str, raw: Raw, caller: Admin) -> dict[str, Any]:
    lexicon = _checked(request, raw)
    if lexicon.name != name:
        message = f"the body names lexicon '{lexicon.name}', the path '{name}'"
        raise InputError(message, field="name")
    _save(request, lexicon, caller, replace=True)
    return lexicon_to_dict(lexicon)


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Delete a lexicon (409 while a policy names it)",
)
def delete_lexicon(request: Request, name: str, caller: Admin) -> Response:
    # No policy uses it (or deleting would be refused): the engine has nothing to change.
    runtime_of(request).store.delete_lexicon(name, actor=caller.actor)
    return Response(status_code=204)
