"""Verified keys are remembered for a few seconds: no query per request, revocation in force
once the entry lapses, expiry at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from ombuds.interfaces.api.key_cache import KEY_CACHE_SECONDS, KeyCache
from ombuds.records import Store
from ombuds.records.repos.keys import ApiKey, Role

from .conftest import Api

GOOD = {"content_id": "m", "text": "hi", "attributes": {"region": "EU"}}
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(expires_at: datetime | None = None) -> ApiKey:
    return ApiKey("k", Role.PLATFORM, "0123456789abcdef", T0, expires_at=expires_at)


TOKEN = "omb_0123456789abcdef_secret"


@contextmanager
def key_queries(store: Store) -> Iterator[list[str]]:
    """The API-key queries the store runs meanwhile."""
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "api_keys" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", on_execute)


def test_a_remembered_key_lapses_after_the_ttl() -> None:
    clock = Clock()
    cache = KeyCache(5.0, clock=clock, wall_clock=lambda: T0)
    assert cache.lookup(TOKEN) is None
    cache.remember(TOKEN, key())
    assert cache.lookup(TOKEN) == key()
    clock.now += 4.9
    assert cache.lookup(TOKEN) == key()
    clock.now += 0.2
    assert cache.lookup(TOKEN) is None


def test_a_wrong_secret_for_a_cached_key_is_not_admitted() -> None:
    cache = KeyCache(5.0, wall_clock=lambda: T0)
    cache.remember(TOKEN, key())
    assert cache.lookup(TOKEN + "x") is None
    assert cache.lookup("omb_0123456789abcdef_other") is None
    assert cache.lookup("not a token") is None
    assert cache.lookup(TOKEN) == key()


def test_an_expired_key_is_refused_even_while_cached() -> None:
    wall = [T0]
    cache = KeyCache(60.0, wall_clock=lambda: wall[0])
    cache.remember(TOKEN, key(expires_at=T0 + timedelta(seconds=1)))
    assert cache.lookup(TOKEN) is not None
    wall[0] = T0 + timedelta(seconds=1)
    assert cache.lookup(TOKEN) is None


def test_forget_and_a_zero_ttl() -> None:
    cache = KeyCache(5.0, wall_clock=lambda: T0)
    cache.remember(TOKEN, key())
    cache.forget("k")
    assert cache.lookup(TOKEN) is None
    off = KeyCache(0.0)
    off.remember(TOKEN, key())
    assert off.lookup(TOKEN) is None


def test_requests_with_a_cached_key_run_no_key_query(api: Api) -> None:
    store = api.runtime.store
    with key_queries(store) as seen:
        for _ in range(5):
            r = api.client.post("/v1/content", json=GOOD, headers=api.as_("platform"))
            assert r.status_code == 200
    assert len(seen) == 1
    # The sync dependency (other routes) shares the cache.
    with key_queries(store) as seen:
        assert api.client.get("/v1/banks", headers=api.as_("admin")).status_code == 200
        assert api.client.get("/v1/banks", headers=api.as_("admin")).status_code == 200
    assert len(seen) == 1


def test_revocation_is_in_force_once_the_entry_lapses(api: Api) -> None:
    clock = Clock()
    api.runtime.keys = KeyCache(KEY_CACHE_SECONDS, clock=clock)
    headers = api.as_("platform")
    assert api.client.post("/v1/content", json=GOOD, headers=headers).status_code == 200
    api.store.revoke_api_key("platform-key", actor="cli:test")
    # Within the TTL the process has not asked the store again: documented, bounded.
    assert api.client.post("/v1/content", json=GOOD, headers=headers).status_code == 200
    clock.now += KEY_CACHE_SECONDS
    r = api.client.post("/v1/content", json=GOOD, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_a_key_expiring_while_cached_is_refused_at_its_expiry(api: Api) -> None:
    expiry = datetime.now(UTC) + timedelta(seconds=1.5)
    _, token = api.store.create_api_key("brief", "platform", actor="cli:test", expires_at=expiry)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.post("/v1/content", json=GOOD, headers=headers).status_code == 200
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()) + 0.05)
    r = api.client.post("/v1/content", json=GOOD, headers=headers)
    assert r.status_code == 401
