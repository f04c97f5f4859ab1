"""A small client of the Ombuds HTTP API: what the audit sends and registers, nothing more.

Keys travel only in the Authorization header. No message, exception or report built here
contains a key: errors name the route and the server's own error code and message.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ombuds.domain import AttributeValue
from ombuds.errors import ConfigError, InputError, MissingExtraError, UnavailableError

if TYPE_CHECKING:
    import httpx

_PROBE_ID = "ombuds-audit-key-check"  # a decision id no deployment has: 404 proves the key


@dataclass(frozen=True)
class Answer:
    """The inline decision and how long the round trip took."""

    decision: dict[str, Any]
    sent_at: float  # time.monotonic() when the request left
    latency_s: float


def _httpx() -> Any:
    try:
        import httpx
    except ModuleNotFoundError as exc:
        raise MissingExtraError("httpx", "audit") from exc
    return httpx


def _server_error(response: httpx.Response) -> tuple[str, str | None]:
    """The server's `code: message` and field, from Ombuds' one error shape when it is there."""
    try:
        error = response.json().get("error", {})
        return f"{error.get('code', '?')}: {error.get('message', '')}", error.get("field")
    except (ValueError, AttributeError):
        return response.reason_phrase or "no explanation", None


class AuditClient:
    def __init__(
        self, base_url: str, key: str, *, admin_key: str | None = None, timeout_s: float = 30.0
    ) -> None:
        lib = _httpx()
        self.base_url = base_url.rstrip("/")
        self._transport_errors: type[Exception] = lib.TransportError
        self._http: httpx.Client = lib.Client(base_url=self.base_url, timeout=timeout_s)
        self._key = key
        self._admin_key = admin_key

    def __enter__(self) -> AuditClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def can_register_webhooks(self) -> bool:
        return bool(self._admin_key)

    def _request(
        self,
        method: str,
        path: str,
        *,
        key: str | None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            return self._http.request(method, path, headers=headers, json=json, params=params)
        except self._transport_errors as exc:
            raise UnavailableError(
                f"cannot reach the Ombuds server at {self.base_url} "
                f"({type(exc).__name__}: {exc or 'no answer'})"
            ) from None

    def _check(self, response: httpx.Response, what: str, key_name: str) -> None:
        """Turn an unusable answer into the error the CLI maps to an exit code."""
        status = response.status_code
        if status < 400:
            return
        message, field = _server_error(response)
        where = f"{what}: the server answered {status} ({message})"
        if status in (401, 403):
            raise ConfigError(f"{where}; check {key_name}", field=key_name)
        if status == 503 or status >= 500:
            raise UnavailableError(where)
        if status == 404:
            raise UnavailableError(f"{where}; is {self.base_url} an Ombuds server?")
        raise InputError(where, field=field)

    def check_ready(self) -> None:
        response = self._request("GET", "/v1/health/ready", key=None)
        if response.status_code == 503:
            message, _ = _server_error(response)
            raise UnavailableError(f"the server at {self.base_url} is not ready ({message})")
        try:
            ready = response.status_code == 200 and response.json().get("status") == "ready"
        except (ValueError, AttributeError):
            ready = False
        if not ready:
            raise UnavailableError(
                f"GET /v1/health/ready answered {response.status_code}: "
                f"is {self.base_url} an Ombuds server?"
            )

    def check_keys(self) -> None:
        """Prove each key has its role before anything is sent: nothing half done."""
        probe = self._request("GET", f"/v1/decisions/{_PROBE_ID}", key=self._key)
        if probe.status_code != 404:
            self._check(probe, "platform key check", "OMBUDS_AUDIT_KEY")
        if self._admin_key:
            listing = self._request("GET", "/v1/webhooks", key=self._admin_key)
            self._check(listing, "admin key check", "OMBUDS_AUDIT_ADMIN_KEY")

    def submit(
        self,
        content_id: str,
        kind: str,
        data: bytes,
        *,
        filename: str,
        attributes: Mapping[str, AttributeValue],
        author_id: str,
        conversation_id: str,
    ) -> Answer:
        body = {
            "content_id": content_id,
            "kind": kind,
            "data_base64": base64.b64encode(data).decode("ascii"),
            "filename": filename,
            "author_id": author_id,
            "conversation_id": conversation_id,
            "attributes": dict(attributes),
        }
        sent_at = time.monotonic()
        response = self._request("POST", "/v1/content", key=self._key, json=body)
        latency = time.monotonic() - sent_at
        self._check(response, f"sending {content_id}", "OMBUDS_AUDIT_KEY")
        decision = response.json()
        if not isinstance(decision, dict) or "action" not in decision:
            raise UnavailableError(f"sending {content_id}: the answer is not a decision")
        return Answer(decision, sent_at, latency)

    def banks_holding(self, signal_type: str, value: str) -> list[str] | None:
        """The banks with an active entry matching the fingerprint (HMA's `/m/lookup`);
        None when the server cannot look this type up (400) or not yet (503)."""
        params = {"signal_type": signal_type, "signal": value}
        response = self._request("GET", "/m/lookup", key=self._key, params=params)
        if response.status_code in (400, 503):
            return None
        self._check(response, f"looking up a {signal_type} fingerprint", "OMBUDS_AUDIT_KEY")
        found = response.json()
        return sorted(bank for bank, matches in found.items() if matches)

    def create_webhook(self, url: str) -> tuple[str, str]:
        """Register `url`; returns (webhook id, signing secret)."""
        response = self._request("POST", "/v1/webhooks", key=self._admin_key, json={"url": url})
        self._check(response, "registering the audit's webhook", "OMBUDS_AUDIT_ADMIN_KEY")
        created = response.json()
        return str(created["webhook_id"]), str(created["secret"])

    def delete_webhook(self, webhook_id: str) -> None:
        response = self._request("DELETE", f"/v1/webhooks/{webhook_id}", key=self._admin_key)
        self._check(
            response, f"deleting the audit's webhook {webhook_id}", "OMBUDS_AUDIT_ADMIN_KEY"
        )
