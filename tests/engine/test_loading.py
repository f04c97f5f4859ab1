"""An engine built from a real store (SQLite and PostgreSQL) decides like one built by hand."""

import hashlib
from datetime import UTC, datetime, timedelta

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Content,
    ContentKind,
    Lexicon,
    LexiconRule,
    Policy,
    RuleKind,
    Signal,
)
from ombuds.domain.scope import Scope
from ombuds.engine import StoreSink
from ombuds.engine.loading import EntryCache, build_engine, load_exact_index
from ombuds.matching.signals import default_registry
from ombuds.records import Store
from ombuds.settings import Settings

BAD = b"banned bytes"


def _configure(store: Store) -> None:
    store.create_bank(Bank("files", "malware"), actor="test")
    now = datetime.now(UTC)
    store.add_entries(
        [
            BankEntry("files", Signal("md5", hashlib.md5(BAD).hexdigest()), "malware"),
            BankEntry("files", Signal("sha256", "ab" * 32), "malware", enabled=False),
            BankEntry("files", Signal("md5", "cd" * 16), "malware", expires_at=now - timedelta(1)),
        ],
        actor="test",
    )
    rules = (LexiconRule("r1", RuleKind.TERM, "scam", terms=("zorbcoin",)),)
    store.save_lexicon(Lexicon("scams", rules), actor="test")
    store.save_policy(
        Policy(
            "eu",
            Scope.parse('region == "EU"'),
            banks=("files",),
            lexicons=("scams",),
            actions={"scam": Action.BLOCK, "malware": Action.BLOCK},
        ),
        actor="test",
    )


def test_index_loads_only_active_exact_entries(store: Store) -> None:
    _configure(store)
    index = load_exact_index(store, default_registry())
    assert len(index) == 1
    assert index.lookup("md5", hashlib.md5(BAD).hexdigest())


def test_built_engine_decides_and_its_sink_stores(store: Store) -> None:
    _configure(store)
    engine = build_engine(store, Settings(), sink=StoreSink(store, batch_size=2))
    attrs = {"region": "EU"}
    blocked = engine.submit(Content("f1", ContentKind.FILE, data=BAD, attributes=attrs))
    scam = engine.submit(Content.of_text("t1", "buy zorbcoin", attributes=attrs))
    clean = engine.submit(Content.of_text("t2", "hello", attributes=attrs))
    outside = engine.submit(Content.of_text("t3", "zorbcoin", attributes={"region": "US"}))
    assert (blocked.action, scam.action, clean.action) == (Action.BLOCK,) * 2 + (Action.ALLOW,)
    assert blocked.evidence[0].rule_id.startswith("be_")
    assert store.count_decisions() == 2  # a batch of two went out; the third waits
    engine.flush()
    assert store.count_decisions() == 3  # the out-of-scope item never reaches the sink
    stored = store.get_decision(scam.decision_id)
    assert stored.action is Action.BLOCK and stored.notice is not None
    assert outside.decision_id == ""


def test_entry_cache_asks_the_store_once(store: Store) -> None:
    _configure(store)
    ids = [row[0] for row in store.iter_index_rows(["md5"])]
    calls: list[int] = []
    original = store.get_entries_by_id

    def counting(wanted):  # type: ignore[no-untyped-def]
        calls.append(len(wanted))
        return original(wanted)

    store.get_entries_by_id = counting  # type: ignore[method-assign]
    cache = EntryCache(store)
    assert cache(ids) == cache(ids)
    assert calls == [len(ids)]
    cache.invalidate()
    cache(ids)
    assert len(calls) == 2


def test_store_sink_loses_and_repeats_nothing_under_concurrent_accepts(store: Store) -> None:
    import threading

    from ombuds.domain import Reason, Tier
    from ombuds.engine.ids import new_id

    sink = StoreSink(store, batch_size=7)

    def decision() -> object:
        from ombuds.domain import Decision

        return Decision(new_id("dcs"), "c", "a", "v", "text", Action.ALLOW, Reason.NO_MATCH,
                        Tier.INLINE, datetime.now(UTC), 1.0)  # fmt: skip

    def work() -> None:
        for _ in range(100):
            sink.accept(decision())  # type: ignore[arg-type]

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sink.flush()
    assert store.count_decisions() == 400
