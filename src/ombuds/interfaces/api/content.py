"""Submitting content and reading decisions."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from ombuds.domain import AttributeValue, Content, ContentKind
from ombuds.engine.serialize import decision_as_dict
from ombuds.errors import InputError
from ombuds.extraction.sniff import kind_of, media_type_of
from ombuds.interfaces.api.auth import Caller, allow, allow_async, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.models import NO_NUL, BatchIn, BatchOut, ContentIn, DecisionOut
from ombuds.interfaces.api.untraced import mark_if_out_of_scope
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1", tags=["content"])

# Submissions stay on the event loop (async route, async key check): the thread hops of a
# sync route cost more than deciding a text item does.
Platform = Annotated[Caller, Depends(allow_async(Role.PLATFORM))]
Readers = Annotated[Caller, Depends(allow(Role.PLATFORM, Role.MODERATOR, Role.AUDITOR))]
_JSON = [Depends(media_type("application/json"))]


def _content(item: ContentIn, where: str = "") -> Content:
    """The item as domain content; InputError naming the field (e.g. `items[2].text`)."""
    if item.kind == "text":
        if item.text is None:
            raise InputError("text content needs `text`", field=f"{where}text")
        if item.data_base64 is not None:
            raise InputError("text content takes no `data_base64`", field=f"{where}data_base64")
        return Content(
            content_id=item.content_id,
            kind=ContentKind.TEXT,
            text=item.text,
            author_id=item.author_id,
            conversation_id=item.conversation_id,
            attributes=item.attributes,
            extra=_extra(item),
        )
    if item.data_base64 is None:
        raise InputError(f"{item.kind} content needs `data_base64`", field=f"{where}data_base64")
    try:
        data = base64.b64decode(item.data_base64, validate=True)
    except ValueError:  # binascii.Error, or a character outside ASCII
        raise InputError("not valid base64", field=f"{where}data_base64") from None
    return _bytes_content(item.content_id, ContentKind(item.kind), data, item, where)


def _bytes_content(
    content_id: str, kind: ContentKind, data: bytes, item: ContentIn, where: str
) -> Content:
    if not data:
        raise InputError("data is empty", field=f"{where}data_base64")
    return Content(
        content_id=content_id,
        kind=kind,
        data=data,
        media_type=media_type_of(data),
        filename=item.filename,
        author_id=item.author_id,
        conversation_id=item.conversation_id,
        attributes=item.attributes,
        extra=_extra(item),
    )


def _extra(item: ContentIn) -> dict[str, str]:
    return {} if item.preview_url is None else {"preview_url": item.preview_url}


@router.post(
    "/content",
    dependencies=_JSON,
    responses={200: {"model": DecisionOut}, **ERROR_RESPONSES},
    summary="Decide one item inline",
)
async def submit(request: Request, item: ContentIn, _caller: Platform) -> dict[str, Any]:
    return await decide_one(request, item)


async def decide_one(request: Request, item: ContentIn) -> dict[str, Any]:
    """`POST /v1/content` once the caller is admitted: here and in `fast_submit`."""
    content = _content(item)
    (decision,) = await runtime_of(request).decide([content])
    mark_if_out_of_scope(request, [decision])
    return decision_as_dict(decision)


@router.post(
    "/content/batch",
    dependencies=_JSON,
    responses={200: {"model": BatchOut}, **ERROR_RESPONSES},
    summary="Decide up to 1,000 items, answered in order",
)
async def submit_batch(request: Request, batch: BatchIn, _caller: Platform) -> dict[str, Any]:
    return await decide_batch(request, batch)


async def decide_batch(request: Request, batch: BatchIn) -> dict[str, Any]:
    """`POST /v1/content/batch` once the caller is admitted: here and in `fast_submit`."""
    # Every item is checked before any is decided: a bad item rejects the batch unwritten.
    contents = [_content(item, f"items[{i}].") for i, item in enumerate(batch.items)]
    decisions = await runtime_of(request).decide(contents)
    mark_if_out_of_scope(request, decisions)
    return {"decisions": [decision_as_dict(d) for d in decisions]}


def _attributes(raw: str) -> dict[str, AttributeValue]:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", field="attributes") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(v, str | int | float | bool) or v is None for v in parsed.values()
    ):
        raise InputError(
            "attributes must be a JSON object of strings, numbers, booleans or null",
            field="attributes",
        )
    return parsed


@router.post(
    "/content/upload",
    dependencies=[Depends(media_type("multipart/form-data"))],
    responses={200: {"model": DecisionOut}, **ERROR_RESPONSES},
    summary="Decide one uploaded image or file inline (multipart)",
)
async def upload(
    request: Request,
    _caller: Platform,
    file: Annotated[UploadFile, File(description="The image or file.")],
    content_id: Annotated[str, Form(min_length=1, max_length=512, pattern=NO_NUL)],
    kind: Annotated[str, Form(description="image or file; default: from the bytes")] = "",
    author_id: Annotated[str, Form(max_length=512, pattern=NO_NUL)] = "",
    conversation_id: Annotated[str, Form(max_length=512, pattern=NO_NUL)] = "",
    attributes: Annotated[str, Form(description="JSON object of scope attributes")] = "{}",
) -> dict[str, Any]:
    if kind not in ("", "image", "file"):
        raise InputError("kind must be image or file", field="kind")
    data = await file.read()
    item = ContentIn(
        content_id=content_id,
        kind="file",
        data_base64="",
        filename=file.filename,
        author_id=author_id,
        conversation_id=conversation_id,
        attributes=_attributes(attributes),
    )
    if not data:
        raise InputError("file is empty", field="file")
    content_kind = ContentKind(kind) if kind else kind_of(data)
    content = _bytes_content(content_id, content_kind, data, item, "")
    (decision,) = await runtime_of(request).decide([content])
    mark_if_out_of_scope(request, [decision])
    return decision_as_dict(decision)


@router.get(
    "/decisions/{decision_id}",
    responses={200: {"model": DecisionOut}, **ERROR_RESPONSES},
    summary="A stored decision",
)
def get_decision(request: Request, decision_id: str, _caller: Readers) -> dict[str, Any]:
    decision = runtime_of(request).store.get_decision(decision_id)
    return decision_as_dict(decision)
