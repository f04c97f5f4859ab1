"""Free text a person wrote, committed to in the ledger without being kept there.

A reviewer's or moderator's reason can name people or quote what they wrote, and ledger
entries are never purged. The entry therefore holds an HMAC-SHA256 of the text under a
random key of its own (the *salt*), which stays beside the text in the case or appeal row.
While the row keeps both, anyone can check the text against the ledger; retention blanks
both, after which the ledger entry's value links to nothing (a plain hash of a short
reason could be found by guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class Sealed:
    salt: str  # hex; kept with the text, purged with it
    digest: str  # hex HMAC-SHA256 of the text under the salt; what the ledger keeps


def seal(text: str) -> Sealed:
    salt = secrets.token_hex(SALT_BYTES)
    return Sealed(salt, digest_of(text, salt))


def digest_of(text: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), text.encode("utf-8"), hashlib.sha256).hexdigest()


def matches(text: str, salt: str, digest: str) -> bool:
    """Whether `text` is what the ledger committed to (false once the salt is purged)."""
    if not salt:
        return False
    return hmac.compare_digest(digest_of(text, salt), digest)
