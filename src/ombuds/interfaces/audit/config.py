"""What one audit run needs to know, checked before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ombuds.domain import AttributeValue
from ombuds.errors import InputError

MAX_ITEMS = 200  # per set: an audit, not a load test


@dataclass(frozen=True)
class AuditConfig:
    base_url: str
    key: str = field(repr=False)  # a platform key: it submits content
    outside: Mapping[str, AttributeValue]  # attributes no policy covers
    inside: Mapping[str, AttributeValue]  # attributes the audited policy covers
    terms: tuple[str, ...]  # what the policy's lexicon catches, rendered into every canary
    admin_key: str | None = field(default=None, repr=False)  # registers the audit's webhook
    documents: int = 3  # per set (canaries, and as many controls)
    images: int = 1
    wait_s: float = 30.0  # between the out-of-scope and the in-scope sending
    deferred_timeout_s: float = 120.0  # longest wait for the deferred decisions
    request_timeout_s: float = 30.0
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    callback_url: str | None = None
    alpha: float = 0.01

    def check(self) -> None:
        """InputError naming the option, for the first thing that cannot work."""
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("the server URL must be http:// or https:// with a host", field="URL")
        if parts.username is not None or parts.password is not None:
            # The report shows the URL: credentials go in the environment, not in it.
            raise InputError("the server URL must not carry a user name or password", field="URL")
        if not self.key.strip():
            raise InputError("a platform key is needed", field="OMBUDS_AUDIT_KEY")
        if not self.outside or not self.inside:
            raise InputError(
                "give the attributes outside and inside the policy's scope",
                field="--outside" if not self.outside else "--inside",
            )
        if dict(self.outside) == dict(self.inside):
            raise InputError("--outside and --inside are the same attributes", field="--inside")
        if not self.terms or any(not t.strip() for t in self.terms):
            raise InputError("every term must be non-empty", field="--term")
        self._check_counts()

    def _check_counts(self) -> None:
        for name, value in (("--documents", self.documents), ("--images", self.images)):
            if not 0 <= value <= MAX_ITEMS:
                raise InputError(f"must be from 0 to {MAX_ITEMS}", field=name)
        if self.documents + self.images == 0:
            raise InputError("send at least one document or image", field="--documents")
        for name, seconds in (
            ("--wait", self.wait_s),
            ("--deferred-timeout", self.deferred_timeout_s),
            ("--timeout", self.request_timeout_s),
        ):
            if not 0 <= seconds <= 86_400:
                raise InputError("must be from 0 to 86400 seconds", field=name)
        if self.request_timeout_s == 0:
            raise InputError("must be more than 0 seconds", field="--timeout")
        if not 0 < self.alpha < 1:
            raise InputError("must be between 0 and 1", field="--alpha")

    def public(self) -> dict[str, object]:
        """The settings a report may show: everything but the keys."""
        return {
            "base_url": self.base_url,
            "outside": dict(self.outside),
            "inside": dict(self.inside),
            "terms": list(self.terms),
            "documents": self.documents,
            "images": self.images,
            "wait_s": self.wait_s,
            "deferred_timeout_s": self.deferred_timeout_s,
            "request_timeout_s": self.request_timeout_s,
            "alpha": self.alpha,
            "deferred_observed_by": "webhook" if self.admin_key else "nothing (no admin key)",
        }
