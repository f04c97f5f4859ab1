"""Where the audit hears deferred decisions: a webhook receiver of its own.

The server pushes a deferred decision to every registered webhook, so the audit registers
one for the length of the run and listens. A delivery counts only if its signature checks
out with the secret the server gave at registration and its content id is one of this run's;
anything else (other traffic on the deployment, a stranger's POST) is ignored.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ombuds.errors import ConfigError

_MAX_BODY = 16 << 20  # a decision with OCR boxes is kilobytes; anything this big is not one


@dataclass(frozen=True)
class Delivery:
    arrived_at: float  # time.monotonic()
    delivery_id: str
    signature: str
    body: bytes


@dataclass(frozen=True)
class Heard:
    """A verified deferred decision and when it arrived."""

    arrived_at: float
    decision: dict[str, Any]


def _valid(secret: str, delivery: Delivery) -> bool:
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), delivery.body, sha256).hexdigest()
    return hmac.compare_digest(expected, delivery.signature)


class Inbox:
    """Deliveries as they arrive; verified and filtered when read."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.secret = ""
        self._deliveries: list[Delivery] = []
        self._arrived = threading.Condition()

    def add(self, delivery: Delivery) -> None:
        with self._arrived:
            self._deliveries.append(delivery)
            self._arrived.notify_all()

    def heard(self, prefix: str) -> dict[str, Heard]:
        """The first verified deferred decision per content id starting with `prefix`."""
        with self._arrived:
            deliveries = list(self._deliveries)
        found: dict[str, Heard] = {}
        seen: set[str] = set()
        for delivery in deliveries:
            if delivery.delivery_id in seen or not self.secret or not _valid(self.secret, delivery):
                continue
            seen.add(delivery.delivery_id)
            try:
                decision = json.loads(delivery.body)
            except ValueError:
                continue
            content_id = decision.get("content_id") if isinstance(decision, dict) else None
            if isinstance(content_id, str) and content_id.startswith(prefix):
                found.setdefault(content_id, Heard(delivery.arrived_at, decision))
        return found

    def wait_for(self, content_ids: set[str], prefix: str, timeout_s: float) -> dict[str, Heard]:
        """Wait until every one of `content_ids` was heard, or `timeout_s` passed."""
        deadline = time.monotonic() + timeout_s
        while True:
            heard = self.heard(prefix)
            left = deadline - time.monotonic()
            if content_ids <= heard.keys() or left <= 0:
                return heard
            with self._arrived:
                self._arrived.wait(min(left, 0.5))


def _handler(inbox: Inbox, path: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            arrived = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != path or not 0 < length <= _MAX_BODY:
                self._answer(404)
                return
            body = self.rfile.read(length)
            inbox.add(
                Delivery(
                    arrived,
                    self.headers.get("X-Ombuds-Delivery", ""),
                    self.headers.get("X-Ombuds-Signature", ""),
                    body,
                )
            )
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass  # the path holds the run's token: kept out of logs

    return Handler


@contextmanager
def listening(host: str, port: int, public_url: str | None = None) -> Iterator[Inbox]:
    """A receiver on host:port (0: any free port) for the length of the block.

    The path carries a random token. `public_url`, when the server reaches this machine by
    another address (a proxy, NAT), replaces `http://host:port` in the URL registered.
    """
    path = f"/ombuds-audit/{secrets.token_urlsafe(16)}"
    try:
        server = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} for deferred decisions: {exc.strerror}",
            field="--listen",
        ) from None
    bound_host, bound_port = server.server_address[:2]
    base = public_url.rstrip("/") if public_url else f"http://{bound_host!s}:{bound_port}"
    inbox = Inbox(base + path)
    server.RequestHandlerClass = _handler(inbox, path)
    thread = threading.Thread(target=server.serve_forever, name="ombuds-audit-inbox", daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
