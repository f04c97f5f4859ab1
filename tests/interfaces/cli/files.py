"""The lexicon and policy files the CLI end-to-end tests start from."""

from __future__ import annotations

LEXICON = {
    "format": "ombuds.lexicon/1",
    "name": "scams",
    "description": "",
    "separator_insensitive": False,
    "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"}],
}
POLICY = {
    "format": "ombuds.policy/1",
    "name": "eu",
    "description": "",
    "scope": 'region == "EU"',
    "banks": [],
    "lexicons": ["scams"],
    "actions": {"scam": "block"},
    "default_action": "review",
    "ground": "Terms of Service 4.2",
    "enabled": True,
}
