"""Lexicons and policies in the store."""

from __future__ import annotations

import pytest

from ombuds.domain import Action, Bank, Lexicon, LexiconRule, Policy, RuleKind
from ombuds.domain.scope import Scope
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records import Store

LEXICON = Lexicon(
    name="spam-en",
    description="English spam",
    separator_insensitive=True,
    rules=(
        LexiconRule("r2", RuleKind.TERM, "spam", terms=("buy now",)),
        LexiconRule("r1", RuleKind.COMBINATION, "scam", terms=("bank", "pin")),
        LexiconRule("r0", RuleKind.PATTERN, "spam", pattern=r"free\s+money"),
    ),
)


def policy(**kw: object) -> Policy:
    base: dict[str, object] = {
        "name": "eu",
        "scope": Scope.parse("region == 'eu'"),
        "banks": ("B",),
        "lexicons": ("spam-en",),
        "actions": {"scam": Action.BLOCK, "spam": Action.LABEL},
        "default_action": Action.ALLOW,
        "ground": "ToS 4.2",
        "description": "EU",
        "enabled": False,
    }
    base.update(kw)
    return Policy(**base)  # type: ignore[arg-type]


def test_lexicon_round_trip_keeps_rule_order(store: Store) -> None:
    store.save_lexicon(LEXICON, actor="test")
    assert store.get_lexicon("spam-en") == LEXICON
    assert store.list_lexicons() == [LEXICON]


def test_lexicon_replace(store: Store) -> None:
    store.save_lexicon(LEXICON, actor="test")
    smaller = Lexicon("spam-en", rules=(LEXICON.rules[0],))
    with pytest.raises(ConflictError):
        store.save_lexicon(smaller, actor="test")
    store.save_lexicon(smaller, replace=True, actor="test")
    assert store.get_lexicon("spam-en") == smaller


def test_lexicon_with_repeated_rule_ids_is_refused(store: Store) -> None:
    twice = Lexicon("x", rules=(LEXICON.rules[0], LEXICON.rules[0]))
    with pytest.raises(ConflictError):
        store.save_lexicon(twice, actor="test")
    assert store.list_lexicons() == []


def test_lexicon_delete(store: Store) -> None:
    store.save_lexicon(LEXICON, actor="test")
    store.create_bank(Bank("B", "spam"), actor="test")
    store.save_policy(policy(), actor="test")
    with pytest.raises(ConflictError) as info:
        store.delete_lexicon("spam-en", actor="test")
    assert info.value.field == "lexicons"
    store.delete_policy("eu", actor="test")
    store.delete_lexicon("spam-en", actor="test")
    with pytest.raises(NotFoundError):
        store.get_lexicon("spam-en")
    with pytest.raises(NotFoundError):
        store.delete_lexicon("spam-en", actor="test")


def test_policy_round_trip(store: Store) -> None:
    store.save_lexicon(LEXICON, actor="test")
    store.create_bank(Bank("B", "spam"), actor="test")
    p = policy()
    store.save_policy(p, actor="test")
    got = store.get_policy("eu")
    assert got == p
    assert list(got.actions) == ["scam", "spam"]
    assert store.list_policies() == [p]
    with pytest.raises(ConflictError):
        store.save_policy(p, actor="test")
    changed = policy(enabled=True, actions={"spam": Action.REVIEW})
    store.save_policy(changed, replace=True, actor="test")
    assert store.get_policy("eu") == changed


@pytest.mark.parametrize(
    ("kw", "field"), [({"banks": ("B", "missing")}, "banks"), ({"lexicons": ("nope",)}, "lexicons")]
)
def test_policy_naming_unknown_things_is_refused(
    store: Store, kw: dict[str, object], field: str
) -> None:
    store.save_lexicon(LEXICON, actor="test")
    store.create_bank(Bank("B", "spam"), actor="test")
    with pytest.raises(NotFoundError) as info:
        store.save_policy(policy(**kw), actor="test")
    assert info.value.field == field
    assert store.list_policies() == []


def test_policy_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_policy("x")
    with pytest.raises(NotFoundError):
        store.delete_policy("x", actor="test")
