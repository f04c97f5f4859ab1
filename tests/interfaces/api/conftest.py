"""An app on a fresh SQLite workspace with a lexicon, a bank and an EU policy, and a key per
role. The deferred tier runs synchronously (`queue=sync`) so tests are deterministic."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.interfaces.api import create_app
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records import Store, parse_lexicon_json, parse_policy_json
from ombuds.settings import Settings

BAD_BYTES = b"known bad bytes"
LEXICON = """{"format": "ombuds.lexicon/1", "name": "scams", "description": "",
 "separator_insensitive": false,
 "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"}]}"""
POLICY = """{"format": "ombuds.policy/1", "name": "eu", "description": "",
 "scope": "region == \\"EU\\"", "banks": ["known"], "lexicons": ["scams"],
 "actions": {"scam": "block", "abuse": "block"}, "default_action": "review",
 "ground": "ToS 4", "enabled": true}"""


@dataclass
class Api:
    client: TestClient
    store: Store
    tokens: dict[str, str]
    runtime: Runtime

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"home": home, "queue": "sync", "ocr": False}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def seed(store: Store) -> dict[str, str]:
    store.save_lexicon(parse_lexicon_json(LEXICON, file="lexicon.json"), actor="test")
    store.create_bank(Bank("known", "abuse"), actor="test")
    md5 = hashlib.md5(BAD_BYTES).hexdigest()
    store.add_entries(
        [BankEntry("known", Signal("md5", md5), "abuse", reason="test")], actor="test"
    )
    store.save_policy(parse_policy_json(POLICY, file="policy.json"), actor="test")
    return {
        role: store.create_api_key(f"{role}-key", role, actor="test")[1]
        for role in ("platform", "moderator", "admin", "auditor")
    }


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = make_settings(tmp_path / "ws", max_request_bytes=64 * 1024)
    store = Store.open(settings.resolved_database_url())
    tokens = seed(store)
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.wait_ready(60)
        yield Api(client, store, tokens, runtime)
    store.close()
