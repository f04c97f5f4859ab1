"""Webhooks: URLs that receive deferred decisions, each with the secret that signs them.

The secret must be at hand to sign every delivery, so it is stored as given (unlike API
key secrets, which are only compared and so only hashed). It is shown to the admin once,
when the webhook is created, and never listed or logged afterwards.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from ombuds.errors import InputError, NotFoundError
from ombuds.records.ids import new_public_id
from ombuds.records.ledger import Kind, append, safe_url
from ombuds.records.repos.common import Sessions
from ombuds.records.schema import WebhookRow
from ombuds.records.types import utcnow

SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook as it is listed: never its secret."""

    webhook_id: str
    url: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """What a delivery needs: where to send, and the secret to sign with."""

    webhook_id: str
    url: str
    secret: str = ""

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"WebhookTarget(webhook_id={self.webhook_id!r})"


def _webhook(row: WebhookRow) -> Webhook:
    return Webhook(row.public_id, row.url, row.created_by, row.created_at)


class WebhookRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def create(self, url: str, created_by: str, *, actor: str) -> tuple[Webhook, str]:
        if not url.strip():
            raise InputError("a webhook needs a URL", field="url")
        secret = f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"
        with self._sessions.begin() as s:
            row = WebhookRow(
                public_id=new_public_id("wh"),
                url=url,
                secret=secret,
                created_by=created_by,
                created_at=utcnow(),
            )
            s.add(row)
            s.flush()
            webhook = _webhook(row)
            details = {"url": safe_url(url), "created_by": created_by}
            append(s, Kind.WEBHOOK_CREATE, actor=actor, subject=row.public_id, payload=details)
        return webhook, secret

    def list_all(self) -> list[Webhook]:
        with self._sessions() as s:
            rows = s.scalars(select(WebhookRow).order_by(WebhookRow.id))
            return [_webhook(row) for row in rows]

    def delete(self, webhook_id: str, *, actor: str) -> None:
        with self._sessions.begin() as s:
            gone = s.execute(delete(WebhookRow).where(WebhookRow.public_id == webhook_id))
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"no webhook '{webhook_id}'", field="webhook_id")
            append(s, Kind.WEBHOOK_DELETE, actor=actor, subject=webhook_id)

    def targets(self) -> list[WebhookTarget]:
        with self._sessions() as s:
            rows = s.execute(
                select(WebhookRow.public_id, WebhookRow.url, WebhookRow.secret).order_by(
                    WebhookRow.id
                )
            )
            return [WebhookTarget(public_id, url, secret) for public_id, url, secret in rows]
