"""Decisions and notices as the API and the CLI show them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from ombuds.domain import Action, Notice
from ombuds.engine.serialize import notice_as_dict

NOTICE = Notice(
    "ntc_1", "dcs_1", "c1", "u1", Action.BLOCK, "scam", "eu", "ToS 4.2", True, False,
    ("r1", "r2"), "https://example.invalid/appeals/ntc_1",
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
)  # fmt: skip


def test_a_notice_shows_every_field_as_json() -> None:
    shown = notice_as_dict(NOTICE)
    assert list(shown) == [f.name for f in dataclasses.fields(Notice)]
    assert json.loads(json.dumps(shown)) == shown
    assert shown["action"] == "block" and shown["matched"] == ["r1", "r2"]
    assert shown["created_at"] == "2026-01-02T03:04:05+00:00"
    assert shown["automated_decision"] is False
