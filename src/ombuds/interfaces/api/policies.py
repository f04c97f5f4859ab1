"""Policies: admins write them, moderators and auditors read them. A body is the JSON of a
policy file (`ombuds.policy/1`); a scope that does not parse is named with its column, and
banks and lexicons it names must exist. The running engine applies a change at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ombuds.domain import Policy
from ombuds.errors import InputError, NotFoundError
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.documents import (
    PoliciesOut,
    PolicyDoc,
    body_of,
    parse_document,
    raw_body,
)
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.records.files import parse_policy_json
from ombuds.records.files.policy_file import policy_to_dict
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/policies", tags=["policies"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
Raw = Annotated[bytes, Depends(raw_body)]
_JSON = [Depends(media_type("application/json"))]


def _parsed(raw: bytes) -> Policy:
    return parse_document(raw, lambda text: parse_policy_json(text, file="request body"))


def _save(request: Request, policy: Policy, caller: Caller, *, replace: bool) -> None:
    runtime = runtime_of(request)
    try:
        runtime.store.save_policy(policy, actor=caller.actor, replace=replace)
    except NotFoundError as exc:
        # A bank or lexicon the body names is missing: the body is wrong, not the URL.
        raise InputError(exc.message, field=exc.field) from None
    runtime.reconfigure()


@router.get("", responses={200: {"model": PoliciesOut}, **ERROR_RESPONSES}, summary="List")
def list_policies(request: Request, _caller: Readers) -> dict[str, Any]:
    return {"policies": [policy_to_dict(p) for p in runtime_of(request).store.list_policies()]}


@router.get(
    "/{name}",
    responses={200: {"model": PolicyDoc}, **ERROR_RESPONSES},
    summary="One policy, as its file",
)
def get_policy(request: Request, name: str, _caller: Readers) -> dict[str, Any]:
    return policy_to_dict(runtime_of(request).store.get_policy(name))


@router.post(
    "",
    status_code=201,
    dependencies=_JSON,
    openapi_extra=body_of(PolicyDoc),
    responses={201: {"model": PolicyDoc}, **ERROR_RESPONSES},
    summary="Create a policy (409 if the name exists)",
)
def create_policy(request: Request, raw: Raw, caller: Admin) -> dict[str, Any]:
    policy = _parsed(raw)
    _save(request, policy, caller, replace=False)
    return policy_to_dict(policy)


@router.put(
    "/{name}",
    dependencies=_JSON,
    openapi_extra=body_of(PolicyDoc),
    responses={200: {"model": PolicyDoc}, **ERROR_RESPONSES},
    summary="Create or replace a policy",
)
def put_policy(request: Request, name: str, raw: Raw, caller: Admin) -> dict[str, Any]:
    policy = _parsed(raw)
    if policy.name != name:
        message = f"the body names policy '{policy.name}', the path '{name}'"
        raise InputError(message, field="name")
    _save(request, policy, caller, replace=True)
    return policy_to_dict(policy)


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Delete a policy",
)
def delete_policy(request: Request, name: str, caller: Admin) -> Response:
    runtime = runtime_of(request)
    runtime.store.delete_policy(name, actor=caller.actor)
    runtime.reconfigure()
    return Response(status_code=204)
