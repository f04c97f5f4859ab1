"""The console on a real app and store (SQLite and PostgreSQL), driven over HTTP without a
browser; the browser suite (test_browser.py) runs a real `ombuds serve` instead."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.interfaces.api import create_app
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records import Store, parse_lexicon_json, parse_policy_json
from ombuds.settings import Settings

EU = {"region": "EU"}
BAD_BYTES = b"known bad bytes"
# A PNG header and nothing decodable: unscannable, which the policy sends to review.
CORRUPT_PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image" * 8
LEXICON = """{"format": "ombuds.lexicon/1", "name": "scams", "description": "Invented scams",
 "separator_insensitive": false,
 "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"},
           {"id": "s2", "kind": "term", "category": "spam", "term": "cheap pills"}]}"""
POLICY = """{"format": "ombuds.policy/1", "name": "eu", "description": "",
 "scope": "region == \\"EU\\"", "banks": ["known"], "lexicons": ["scams"],
 "actions": {"scam": "block", "abuse": "block"}, "default_action": "review",
 "ground": "ToS 4", "enabled": true}"""
ROLES = ("platform", "moderator", "admin", "auditor")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def seed(store: Store) -> dict[str, str]:
    """A lexicon, a bank with one md5, an EU policy, and a key per role (their tokens)."""
    store.save_lexicon(parse_lexicon_json(LEXICON, file="lexicon.json"), actor="test")
    store.create_bank(Bank("known", "abuse", "Confirmed abuse"), actor="test")
    md5 = hashlib.md5(BAD_BYTES).hexdigest()
    entry = BankEntry("known", Signal("md5", md5), "abuse", author="seed", reason="test")
    store.add_entries([entry], actor="test")
    store.save_policy(parse_policy_json(POLICY, file="policy.json"), actor="test")
    return {role: store.create_api_key(f"{role}-key", role, actor="test")[1] for role in ROLES}


def image(data: bytes, content_id: str, preview_url: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "content_id": content_id,
        "kind": "image",
        "data_base64": base64.b64encode(data).decode(),
        "attributes": EU,
    }
    if preview_url is not None:
        item["preview_url"] = preview_url
    return item


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class ConsoleApp:
    client: TestClient
    store: Store
    runtime: Runtime
    tokens: dict[str, str]

    def submit(self, item: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens['platform']}"}
        r = self.client.post("/v1/content", json=item, headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def sign_in(self, role: str) -> str:
        """Sign in with the role's key, as a browser would; the session's CSRF token."""
        self.client.cookies.clear()
        form = self.client.get("/console/sign-in")
        assert form.status_code == 200
        r = self.client.post(
            "/console/sign-in",
            data={"key": self.tokens[role], "csrf": csrf_of(form.text), "next": ""},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = self.client.get("/console/overview")
        assert page.status_code == 200, page.text
        return csrf_of(page.text)

    def page(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, follow_redirects=False)


@pytest.fixture
def console(store: Store, tmp_path: Path) -> Iterator[ConsoleApp]:
    url = store.engine.url.render_as_string(hide_password=False)
    tokens = seed(store)
    # TestClient speaks plain http to "testserver": a Secure cookie would never come back.
    settings = Settings(
        home=tmp_path / "ws", database_url=url, queue="sync", ocr=False, console_secure_cookie=False
    )  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        yield ConsoleApp(client, store, runtime, tokens)
