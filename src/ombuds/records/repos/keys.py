"""API keys: who may call the HTTP service, in which role.

A token is `omb_<key id>_<secret>`. The key id is public (it finds the row); the secret is
32 random bytes and only its SHA-256 is stored. A slow password hash (scrypt, argon2) exists
to stretch guessable secrets; a 256-bit random secret cannot be guessed, so a fast hash loses
nothing and keeps authentication to microseconds per request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update

from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records.ledger import Kind, append
from ombuds.records.repos.common import Sessions
from ombuds.records.schema import ApiKeyRow
from ombuds.records.types import utcnow

TOKEN_PREFIX = "omb_"  # noqa: S105 - a public prefix, not a secret
_KEY_ID = re.compile(r"[0-9a-f]{16}")
# Compared against when the key id is unknown, so both paths cost one hash and one compare.
_NO_HASH = hashlib.sha256(b"no such key").hexdigest()


class Role(StrEnum):
    PLATFORM = "platform"  # submits content, reads its decisions
    MODERATOR = "moderator"  # reads decisions and banks
    ADMIN = "admin"  # manages banks
    AUDITOR = "auditor"  # reads, never writes


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as the service sees it: never the secret, never its hash."""

    name: str
    role: Role
    key_id: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        name=row.name,
        role=Role(row.role),
        key_id=row.key_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def split_token(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key_id, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not secret or not _KEY_ID.fullmatch(key_id):
        return None
    return key_id, secret


class KeyRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def create_key(
        self, name: str, role: str, *, actor: str, expires_at: datetime | None = None
    ) -> tuple[ApiKey, str]:
        if not name.strip() or any(ch.isspace() for ch in name):
            raise InputError("key name must be non-empty and contain no spaces", field="name")
        try:
            parsed_role = Role(role)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            raise InputError(f"unknown role {role!r}; one of {roles}", field="role") from None
        if expires_at is not None and expires_at.utcoffset() is None:
            raise InputError("expiry must be timezone-aware", field="expires_at")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        with self._sessions.begin() as s:
            if s.scalar(select(ApiKeyRow.id).where(ApiKeyRow.name == name)) is not None:
                raise ConflictError(f"an API key named '{name}' exists", field="name")
            row = ApiKeyRow(
                name=name,
                key_id=key_id,
                secret_hash=_hash(secret),
                role=parsed_role.value,
                created_at=utcnow(),
                expires_at=expires_at,
                revoked_at=None,
            )
            s.add(row)
            s.flush()
            key = _key(row)
            # The key id is public (it is half the token); the secret never leaves here.
            details = {"role": key.role.value, "key_id": key_id, "expires_at": expires_at}
            append(s, Kind.KEY_CREATE, actor=actor, subject=name, payload=details)
        return key, f"{TOKEN_PREFIX}{key_id}_{secret}"

    def list_keys(self) -> list[ApiKey]:
        with self._sessions() as s:
            return [_key(row) for row in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.name))]

    def revoke_key(self, name: str, *, actor: str, now: datetime | None = None) -> None:
        with self._sessions.begin() as s:
            row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.name == name)).one_or_none()
            if row is None:
                raise NotFoundError(f"no API key named '{name}'", field="name")
            if row.revoked_at is not None:
                raise ConflictError(f"API key '{name}' is already revoked", field="name")
            s.execute(
                update(ApiKeyRow).where(ApiKeyRow.id == row.id).values(revoked_at=now or utcnow())
            )
            append(s, Kind.KEY_REVOKE, actor=actor, subject=name, payload={"role": row.role})

    def authenticate(self, token: str, *, now: datetime | None = None) -> ApiKey | None:
        """The key a token belongs to if it is well formed, right, unrevoked and unexpired."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        with self._sessions() as s:
            row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).one_or_none()
            stored = row.secret_hash if row is not None else _NO_HASH
            matches = hmac.compare_digest(stored, _hash(secret))
            if row is None or not matches:
                return None
            key = _key(row)
        return key if key.usable(now or utcnow()) else None
