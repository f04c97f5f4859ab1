"""Webhooks for deferred decisions: admins register, list and delete them.

When the deferred tier decides an item again (an image matched a bank by PDQ, a document's
text hit a lexicon), the new decision is POSTed to every webhook, signed with that webhook's
secret; see `webhook_delivery` for the signature, the retries and the queue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ombuds.errors import InputError
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.records.repos.keys import Role
from ombuds.records.repos.webhooks import Webhook

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
_JSON = [Depends(media_type("application/json"))]
MAX_URL = 2048


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="http or https URL that receives deferred decisions (POST, JSON).",
    )


class WebhookOut(BaseModel):
    webhook_id: str
    url: str
    created_by: str
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (X-Ombuds-Signature). Shown only here: keep it."
    )


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


def checked_url(url: str) -> str:
    """The URL if it is a usable http(s) address; InputError naming `url` otherwise.

    Any host is allowed: only admins register webhooks, and platforms receive them on their
    own networks as often as on the internet. Credentials in the URL are refused: they
    would be listed back in clear.
    """
    if url != url.strip() or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise InputError("the URL must not contain spaces or control characters", field="url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError("the URL must start with http:// or https://", field="url")
    if not parts.hostname:
        raise InputError("the URL needs a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise InputError("the URL must not carry a user name or password", field="url")
    if parts.fragment:
        raise InputError("the URL must not have a #fragment", field="url")
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise InputError("the URL's port is not a number from 0 to 65535", field="url") from None
    return url


def _out(webhook: Webhook) -> dict[str, Any]:
    return {
        "webhook_id": webhook.webhook_id,
        "url": webhook.url,
        "created_by": webhook.created_by,
        "created_at": webhook.created_at,
    }


@router.post(
    "",
    status_code=201,
    dependencies=_JSON,
    responses={201: {"model": WebhookCreatedOut}, **ERROR_RESPONSES},
    summary="Register a webhook for deferred decisions; its signing secret is shown once",
)
def create_webhook(request: Request, body: WebhookIn, caller: Admin) -> dict[str, Any]:
    runtime = runtime_of(request)
    webhook, secret = runtime.store.create_webhook(
        checked_url(body.url), caller.name, actor=caller.actor
    )
    runtime.webhooks.refresh()
    return {**_out(webhook), "secret": secret}


@router.get(
    "",
    responses={200: {"model": WebhooksOut}, **ERROR_RESPONSES},
    summary="List webhooks (never their secrets)",
)
def list_webhooks(request: Request, _caller: Admin) -> dict[str, Any]:
    return {"webhooks": [_out(w) for w in runtime_of(request).store.list_webhooks()]}


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Delete a webhook; deliveries already queued for it are still sent",
)
def delete_webhook(request: Request, webhook_id: str, caller: Admin) -> Response:
    runtime = runtime_of(request)
    runtime.store.delete_webhook(webhook_id, actor=caller.actor)
    runtime.webhooks.refresh()
    return Response(status_code=204)
