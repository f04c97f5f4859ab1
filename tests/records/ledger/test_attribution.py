"""Every change through the store is in the ledger: who did it, what changed, why, from where.

A change that fails ledgers nothing, and an entry is never written without its change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Lexicon,
    LexiconRule,
    Outcome,
    Policy,
    RuleKind,
    Signal,
)
from ombuds.domain.scope import Scope
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store, import_bank_csv
from ombuds.records.ledger import Kind, LedgerEntry
from ombuds.records.repos.keys import split_token

from .conftest import MakeDecision


def entry(n: int, bank: str = "B", *, reason: str = "seen in report 7") -> BankEntry:
    return BankEntry(bank, Signal("md5", f"{n:032x}"), "spam", "report-7", "alice", reason)


def last(store: Store) -> LedgerEntry:
    return store.ledger_entries()[-1]


def test_bank_changes_say_who_what_why_and_from_where(store: Store) -> None:
    store.create_bank(Bank("B", "spam", "spam hashes", threshold=31), actor="cli:alice")
    created = last(store)
    assert (created.kind, created.actor, created.subject) == (Kind.BANK_CREATE, "cli:alice", "B")
    assert created.payload == {"category": "spam", "description": "spam hashes", "threshold": 31}

    added = store.add_entries([entry(1), entry(2)], actor="api:admin-key", origin="api")
    change = last(store)
    assert (change.kind, change.actor, change.subject) == (Kind.BANK_ADD, "api:admin-key", "B")
    assert change.payload["count"] == 2
    assert change.payload["origin"] == "api"
    assert change.payload["signal_types"] == {"md5": 2}
    assert change.payload["reasons"] == ["seen in report 7"]
    assert change.payload["provenances"] == ["report-7"]
    assert change.payload["authors"] == ["alice"]
    assert [s["id"] for s in change.payload["signals"]] == [e.public_id for e in added]
    assert change.payload["signals"][0] == {
        "type": "md5",
        "value": f"{1:032x}",
        "id": added[0].public_id,
    }

    store.remove_entry("B", "md5", f"{1:032x}", actor="cli:bob", reason="false positive")
    removed = last(store)
    assert (removed.kind, removed.actor) == (Kind.BANK_REMOVE, "cli:bob")
    assert removed.payload["id"] == added[0].public_id
    assert removed.payload["reason"] == "false positive"

    until = datetime(2030, 1, 1, tzinfo=UTC)
    store.set_entry_state(
        added[1].public_id, enabled=False, disabled_until=until, actor="api:k", reason="dispute"
    )
    state = last(store)
    assert (state.kind, state.subject) == (Kind.BANK_ENTRY_STATE, "B")
    assert state.payload["enabled"] is False
    assert state.payload["disabled_until"] == "2030-01-01T00:00:00.000000+00:00"

    store.delete_bank("B", actor="cli:alice", reason="retired")
    deleted = last(store)
    assert (deleted.kind, deleted.payload) == (
        Kind.BANK_DELETE,
        {"entries": 1, "reason": "retired"},
    )
    assert store.verify_ledger().ok


def test_an_add_across_banks_is_one_entry_per_bank(store: Store) -> None:
    for name in ("A", "B"):
        store.create_bank(Bank(name, "spam"), actor="system:test")
    store.add_entries([entry(1, "A"), entry(2, "B"), entry(3, "B")], actor="engine")
    a, b = store.ledger_entries()[-2:]
    assert [(a.subject, a.payload["count"]), (b.subject, b.payload["count"])] == [
        ("A", 1),
        ("B", 2),
    ]


def test_a_large_import_lists_some_signals_and_commits_to_all(store: Store, tmp_path: Path) -> None:
    store.create_bank(Bank("B", "spam"), actor="system:test")
    path = tmp_path / "big.csv"
    rows = "".join(f"md5,{n:032x}\n" for n in range(1_000))
    path.write_text("signal_type,signal_str\n" + rows + f"md5,{5:032x}\n")
    result = import_bank_csv(store, "B", path, actor="cli:alice")
    imported = last(store)
    assert (imported.kind, imported.actor) == (Kind.BANK_IMPORT, "cli:alice")
    assert imported.payload["origin"] == "file:big.csv"
    assert imported.payload["count"] == result.added == 1_000
    assert imported.payload["signals_listed"] == len(imported.payload["signals"]) == 200
    # The digest commits to every signal: the same import elsewhere gives the same digest.
    store.create_bank(Bank("C", "spam"), actor="system:test")
    import_bank_csv(store, "C", path, actor="cli:alice")
    assert last(store).payload["signals_digest"] == imported.payload["signals_digest"]


def test_documents_keys_webhooks_and_cases_are_ledgered(
    store: Store, make_decision: MakeDecision
) -> None:
    rules = (LexiconRule("r1", RuleKind.TERM, "scam", terms=("zorbcoin",)),)
    store.save_lexicon(Lexicon("scams", rules), actor="cli:alice")
    store.save_lexicon(Lexicon("scams", rules), actor="cli:alice", replace=True)
    policy = Policy("eu", Scope.parse('region == "EU"'), lexicons=("scams",))
    store.save_policy(policy, actor="console:admin-key")
    store.delete_policy("eu", actor="console:admin-key")
    store.delete_lexicon("scams", actor="cli:alice")
    _, token = store.create_api_key("app", "platform", actor="cli:root")
    store.revoke_api_key("app", actor="cli:root")
    hook, secret = store.create_webhook(
        "https://u:pw@hooks.example.com:8443/in?sig=1", "admin-key", actor="api:admin-key"
    )
    store.delete_webhook(hook.webhook_id, actor="api:admin-key")
    entries = store.ledger_entries()
    assert [(e.kind, e.actor, e.subject) for e in entries] == [
        (Kind.LEXICON_SAVE, "cli:alice", "scams"),
        (Kind.LEXICON_SAVE, "cli:alice", "scams"),
        (Kind.POLICY_SAVE, "console:admin-key", "eu"),
        (Kind.POLICY_DELETE, "console:admin-key", "eu"),
        (Kind.LEXICON_DELETE, "cli:alice", "scams"),
        (Kind.KEY_CREATE, "cli:root", "app"),
        (Kind.KEY_REVOKE, "cli:root", "app"),
        (Kind.WEBHOOK_CREATE, "api:admin-key", hook.webhook_id),
        (Kind.WEBHOOK_DELETE, "api:admin-key", hook.webhook_id),
    ]
    assert [entries[0].payload["replaced"], entries[1].payload["replaced"]] == [False, True]
    assert entries[2].payload["scope"] == 'region == "EU"'
    # Secrets never reach the ledger: not the token's secret, not the webhook's.
    everything = repr([e.payload for e in entries])
    parts = split_token(token)  # the secret may itself hold "_": split as the store does
    assert parts is not None and parts[1] not in everything
    assert secret not in everything and "pw" not in everything and "sig=1" not in everything
    assert entries[7].payload["url"] == "https://hooks.example.com:8443/in"

    store.record_decisions([make_decision(1, restricted=True)])
    store.record_decisions([replace(make_decision(2), action=Action.REVIEW)])
    (case,) = store.list_cases()
    store.decide_case(case.case_id, Outcome.REJECT, by="mod-key", reason="ok", actor="api:mod")
    decided = last(store)
    assert (decided.kind, decided.actor, decided.subject) == (
        Kind.CASE_DECIDE,
        "api:mod",
        case.case_id,
    )
    assert decided.payload["outcome"] == "reject"
    assert decided.payload["decision_id"] == case.decision_id
    assert store.verify_ledger().ok


def test_failed_changes_ledger_nothing(store: Store) -> None:
    store.create_bank(Bank("B", "spam"), actor="system:test")
    store.add_entries([entry(1)], actor="system:test")
    before = store.ledger_entries()
    with pytest.raises(ConflictError):
        store.create_bank(Bank("B", "spam"), actor="cli:alice")
    with pytest.raises(ConflictError):
        store.add_entries([entry(2), entry(1)], actor="cli:alice")
    with pytest.raises(NotFoundError):
        store.remove_entry("B", "md5", "f" * 32, actor="cli:alice")
    with pytest.raises(NotFoundError):
        store.revoke_api_key("nobody", actor="cli:alice")
    with pytest.raises(NotFoundError):
        store.set_entry_state("be_nope", enabled=False, actor="cli:alice")
    assert store.ledger_entries() == before
    assert store.count_entries("B") == 1


def test_expiring_disable_is_refused_without_a_timezone(store: Store) -> None:
    store.create_bank(Bank("B", "spam"), actor="system:test")
    (added,) = store.add_entries([entry(1)], actor="system:test")
    naive = datetime(2030, 1, 1) + timedelta(0)
    with pytest.raises(InputError, match="timezone-aware"):
        store.set_entry_state(added.public_id, enabled=False, disabled_until=naive, actor="a")
