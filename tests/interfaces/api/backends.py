"""The conftest's `Api`, on whichever store the `store` fixture gives (SQLite or PostgreSQL):
test modules that need both backends define their `api` fixture with `running_api`."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from ombuds.interfaces.api import create_app
from ombuds.records import Store

from .conftest import BAD_BYTES, Api, make_settings, seed

ROLES = ("platform", "moderator", "admin", "auditor")


@contextmanager
def running_api(store: Store, home: Path, *, seeded: bool = True) -> Iterator[Api]:
    """The app on `store`: seeded as the conftest's, or with nothing but a key per role."""
    url = store.engine.url.render_as_string(hide_password=False)
    settings = make_settings(home / "ws", database_url=url, max_request_bytes=1024 * 1024)
    if seeded:
        tokens = seed(store)
    else:
        tokens = {r: store.create_api_key(f"{r}-key", r, actor="test")[1] for r in ROLES}
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        yield Api(client, store, tokens, runtime)


def submit(api: Api, data: bytes = BAD_BYTES) -> str:
    """The action for a file in the EU policy's scope (the seeded bank holds BAD_BYTES)."""
    item = {
        "content_id": "c",
        "kind": "file",
        "data_base64": base64.b64encode(data).decode(),
        "attributes": {"region": "EU"},
    }
    r = api.client.post("/v1/content", json=item, headers=api.as_("platform"))
    assert r.status_code == 200, r.text
    return str(r.json()["action"])
