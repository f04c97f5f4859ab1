"""Bank changes reach a running engine's three indexes in place (SQLite and PostgreSQL):
learned entries match, forgotten ones do not, and an entry disabled until a time is skipped
until then and matches afterwards with nothing done in between."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.engine import Engine
from ombuds.engine.loading import build_engine
from ombuds.records import Store
from ombuds.settings import Settings

MD5 = hashlib.md5(b"a known file").hexdigest()
PDQ = "f0" * 32
MINHASH = secrets.token_hex(512)


@pytest.fixture
def engine(store: Store, tmp_path: Path) -> Iterator[Engine]:
    store.create_bank(Bank("known", "abuse"), actor="test")
    built = build_engine(store, Settings(home=tmp_path, queue="sync", ocr=False), deferred=True)
    yield built
    built.close()


def _stored(store: Store, *entries: BankEntry) -> dict[int, BankEntry]:
    added = store.add_entries(list(entries), actor="test")
    ids = store.entry_ids([e.public_id for e in added])
    return {ids[e.public_id]: e for e in added}


def _found(engine: Engine) -> dict[str, set[int]]:
    """Refs each index returns for the three signals."""
    tier = engine.deferred
    assert tier is not None and tier.neartext is not None
    return {
        "md5": set(engine.bank_matcher.index.lookup("md5", MD5)),
        "pdq": {m.ref for m in tier.perceptual.index.query(PDQ, threshold=0)},
        "minhash": {m.ref for m in tier.neartext.index.query(MINHASH, threshold=1.0)},
    }


def _entries(**state: object) -> list[BankEntry]:
    return [
        BankEntry("known", Signal(kind, value), "abuse", **state)  # type: ignore[arg-type]
        for kind, value in (("md5", MD5), ("pdq", PDQ), ("minhash", MINHASH))
    ]


def _matched(engine: Engine, now: datetime) -> list[str]:
    evidence = engine.bank_matcher.match([Signal("md5", MD5)], {"known"}, now)
    return [e.rule_id for e in evidence]


def test_learned_entries_are_found_and_forgotten_ones_are_not(store: Store, engine: Engine) -> None:
    stored = _stored(store, *_entries())
    by_type = {e.signal.signal_type: ref for ref, e in stored.items()}
    assert _found(engine) == {"md5": set(), "pdq": set(), "minhash": set()}
    engine.learn(stored)
    assert _found(engine) == {kind: {ref} for kind, ref in by_type.items()}
    engine.forget(stored)
    assert _found(engine) == {"md5": set(), "pdq": set(), "minhash": set()}


def test_disabling_for_good_takes_entries_out_and_enabling_puts_them_back(
    store: Store, engine: Engine
) -> None:
    stored = _stored(store, *_entries())
    engine.learn(stored)
    now = datetime.now(UTC)
    assert len(_matched(engine, now)) == 1  # and the entry is now in the cache
    disabled = {}
    for ref, entry in stored.items():
        disabled[ref] = store.set_entry_state(entry.public_id, enabled=False, actor="test")
    engine.refresh(disabled)
    assert _found(engine) == {"md5": set(), "pdq": set(), "minhash": set()}
    assert _matched(engine, now) == []
    enabled = {ref: replace(e, enabled=True) for ref, e in disabled.items()}
    for entry in enabled.values():
        store.set_entry_state(entry.public_id, enabled=True, actor="test")
    engine.refresh(enabled)
    assert all(len(refs) == 1 for refs in _found(engine).values())
    assert len(_matched(engine, now)) == 1


def test_an_entry_disabled_until_a_time_matches_again_after_it(
    store: Store, engine: Engine
) -> None:
    stored = _stored(store, *_entries())
    engine.learn(stored)
    now = datetime.now(UTC)
    assert len(_matched(engine, now)) == 1
    until = now + timedelta(hours=1)
    paused = {
        ref: store.set_entry_state(e.public_id, enabled=False, disabled_until=until, actor="t")
        for ref, e in stored.items()
    }
    engine.refresh(paused)
    # Still indexed (so no timer is needed), skipped per hit until the time passes.
    assert all(len(refs) == 1 for refs in _found(engine).values())
    assert _matched(engine, now) == []
    assert len(_matched(engine, until + timedelta(seconds=1))) == 1


def test_a_restarted_engine_holds_entries_disabled_until_a_later_time(
    store: Store, tmp_path: Path
) -> None:
    store.create_bank(Bank("known", "abuse"), actor="test")
    until = datetime.now(UTC) + timedelta(hours=1)
    suspended = _entries(enabled=False, disabled_until=until)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    expired = BankEntry(
        "known", Signal("sha256", "ab" * 32), "abuse", disabled_until=until, expires_at=yesterday
    )
    off = BankEntry("known", Signal("md5", "cd" * 16), "abuse", enabled=False)
    _stored(store, *suspended, expired, off)
    engine = build_engine(store, Settings(home=tmp_path, queue="sync", ocr=False), deferred=True)
    try:
        assert all(len(refs) == 1 for refs in _found(engine).values())
        assert len(engine.bank_matcher.index) == 1  # not the expired one, not the one off
        assert _matched(engine, datetime.now(UTC)) == []
        assert len(_matched(engine, until + timedelta(seconds=1))) == 1
    finally:
        engine.close()
