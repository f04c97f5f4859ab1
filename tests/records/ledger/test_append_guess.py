"""Appends that start from a guessed head (the tip this engine wrote last): a guess made
stale by another engine on the same database, or by a rollback, must cost a statement,
never a fork or a gap in the chain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ombuds.records import Store
from ombuds.records.ledger import append

from .conftest import MakeDecision


def _seqs(store: Store) -> list[int]:
    return [e.seq for e in store.ledger_entries(None)]


def test_two_engines_taking_turns_keep_one_chain(store: Store, make_decision: MakeDecision) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    with Store.open(url) as other:
        for n in range(6):
            writer = store if n % 2 == 0 else other
            writer.record_decisions([make_decision(2 * n), make_decision(2 * n + 1)])
            writer.ledger_append("test", actor=f"system:w{n % 2}", payload={"n": n})
        result = other.verify_ledger()
    assert _seqs(store) == list(range(1, 13))
    assert (result.ok, result.head_seq, result.decisions_checked) == (True, 12, 12)


def test_a_rolled_back_append_leaves_no_gap(store: Store) -> None:
    first = store.ledger_append("test", actor="system:a", payload={"n": 1})
    with Session(store.engine) as s:
        gone = append(s, "test", actor="system:b", payload={"n": 2})
        s.rollback()
    kept = store.ledger_append("test", actor="system:c", payload={"n": 3})
    assert gone.seq == kept.seq == 2
    assert kept.prev_digest == first.digest  # chained to what committed, not to the guess
    assert _seqs(store) == [1, 2]
    assert store.verify_ledger().ok
