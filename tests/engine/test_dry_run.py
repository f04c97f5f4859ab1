"""Dry runs: a draft policy replayed over stored decisions, honest about what cannot be."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Content,
    ContentKind,
    Decision,
    Evidence,
    Policy,
    Reason,
    Signal,
    Tier,
)
from ombuds.domain.scope import Scope
from ombuds.engine import StoreSink
from ombuds.engine.dry_run import NOT_REPLAYABLE, Change, dry_run
from ombuds.engine.loading import build_engine
from ombuds.records import Store, parse_lexicon_json
from ombuds.settings import Settings

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EU = Scope('region == "EU"')
CURRENT = Policy(
    "eu",
    EU,
    banks=("known",),
    lexicons=("scams",),
    actions={"scam": Action.BLOCK, "spam": Action.REVIEW},
    default_action=Action.REVIEW,
)
SPAM = Evidence("lexicon", "scams", "r2", "spam", matched_text=("cheap pills",), spans=((4, 15),))
KNOWN = Evidence("bank", "known", "ent_1", "abuse", signal_type="md5", distance=0)
MD5 = Signal("md5", "0" * 32)


def made(n: int, action: Action, *evidence: Evidence, **fields: object) -> Decision:
    values: dict[str, object] = {
        "decision_id": f"d{n}",
        "content_id": f"c{n}",
        "author_id": "u",
        "conversation_id": "",
        "content_kind": "text",
        "action": action,
        "reason": Reason.MATCHED if evidence else Reason.NO_MATCH,
        "tier": Tier.INLINE,
        "created_at": T0 - timedelta(seconds=n),
        "elapsed_us": 5.0,
        "category": evidence[0].category if evidence else "",
        "policy": "eu",
        "evidence": evidence,
    }
    values.update(fields)
    return Decision(**values)  # type: ignore[arg-type]


def test_a_changed_action_changes_exactly_the_decisions_of_that_category() -> None:
    decisions = [
        made(1, Action.REVIEW, SPAM),
        made(2, Action.ALLOW),
        made(3, Action.REVIEW, KNOWN, content_kind="image", signals=(MD5,)),
    ]
    draft = replace(CURRENT, actions={"scam": Action.BLOCK, "spam": Action.LABEL})
    result = dry_run(draft, decisions, current=CURRENT)
    assert [r.change for r in result.rows] == [Change.CHANGED, Change.SAME, Change.SAME]
    (changed,) = result.changed
    assert (changed.decision_id, changed.before, changed.after) == ("d1", "review", "label")
    assert changed.after_category == "spam"
    assert result.before == {"allow": 1, "review": 2}
    assert result.after == {"allow": 1, "label": 1, "review": 1}


def test_the_unchanged_policy_reproduces_every_decision() -> None:
    decisions = [made(1, Action.REVIEW, SPAM), made(2, Action.ALLOW), made(3, Action.REVIEW, KNOWN)]
    result = dry_run(CURRENT, decisions, current=CURRENT)
    assert all(r.change is Change.SAME for r in result.rows)
    assert result.before == result.after


def test_a_dropped_bank_lets_its_matches_through() -> None:
    decisions = [made(1, Action.REVIEW, KNOWN, content_kind="image", signals=(MD5,))]
    draft = replace(CURRENT, banks=())
    (row,) = dry_run(draft, decisions, current=CURRENT).rows
    assert (row.change, row.after, row.after_category) == (Change.CHANGED, Action.ALLOW, "")


def test_an_added_lexicon_is_not_replayable_because_text_is_not_stored() -> None:
    decisions = [made(1, Action.ALLOW), made(2, Action.REVIEW, SPAM)]
    draft = replace(CURRENT, lexicons=("scams", "insults"))
    result = dry_run(draft, decisions, current=CURRENT)
    assert [r.change for r in result.rows] == [Change.NOT_REPLAYABLE] * 2
    assert all(r.after is None and "insults" in r.note for r in result.rows)
    assert result.after == {NOT_REPLAYABLE: 2}
    assert result.changed == ()


def test_a_changed_scope_is_not_replayable() -> None:
    draft = replace(CURRENT, scope=Scope('region in ["EU", "UK"]'))
    result = dry_run(draft, [made(1, Action.REVIEW, SPAM)], current=CURRENT)
    assert result.not_replayable[0].note.startswith("the scope changed")


def test_unscannable_content_follows_the_drafts_unscannable_action() -> None:
    unread = made(1, Action.REVIEW, reason=Reason.UNSCANNABLE, category="unscannable")
    draft = replace(CURRENT, actions={**CURRENT.actions, "unscannable": Action.BLOCK})
    (row,) = dry_run(draft, [unread], current=CURRENT).rows
    assert (row.change, row.after, row.after_category) == (Change.CHANGED, "block", "unscannable")
    # An added lexicon changes nothing for content nobody could read.
    (row,) = dry_run(replace(draft, lexicons=("x",)), [unread], current=CURRENT).rows
    assert row.after is Action.BLOCK


def test_an_added_bank_is_matched_with_the_stored_signals() -> None:
    calls: list[tuple[tuple[Signal, ...], tuple[str, ...]]] = []
    hit = Evidence("bank", "extra", "ent_9", "abuse", signal_type="md5", distance=0)

    def replay(signals: Sequence[Signal], banks: Collection[str]) -> list[Evidence]:
        calls.append((tuple(signals), tuple(banks)))
        return [hit]

    image = made(1, Action.ALLOW, content_kind="image", signals=(MD5,))
    text = made(2, Action.ALLOW)
    draft = replace(CURRENT, banks=("known", "extra"), actions={"abuse": Action.BLOCK})
    result = dry_run(draft, [image, text], current=CURRENT, replay_banks=replay)
    assert calls == [((MD5,), ("extra",))]  # text has no signals to match
    assert [(r.after, r.change) for r in result.rows] == [
        (Action.BLOCK, Change.CHANGED),
        (Action.ALLOW, Change.SAME),
    ]
    assert "extra" in result.rows[0].note
    # Without a way to match signals, the image cannot be replayed; the text still can.
    result = dry_run(draft, [image, text], current=CURRENT)
    assert [r.change for r in result.rows] == [Change.NOT_REPLAYABLE, Change.SAME]


def test_other_policies_and_superseded_decisions_are_left_out() -> None:
    inline = made(3, Action.ALLOW, content_kind="image")
    deferred = made(1, Action.REVIEW, KNOWN, content_kind="image", supersedes="d3")
    elsewhere = made(2, Action.BLOCK, SPAM, policy="uk")
    result = dry_run(CURRENT, [deferred, elsewhere, inline], current=CURRENT)
    assert [r.decision_id for r in result.rows] == ["d1"]
    assert result.read == 3


def test_evidence_of_another_covering_policy_is_not_guessed_at() -> None:
    theirs = Evidence("bank", "uk-bank", "ent_5", "abuse", signal_type="md5", distance=0)
    decision = made(1, Action.REVIEW, SPAM, theirs)
    (row,) = dry_run(CURRENT, [decision], current=CURRENT).rows
    assert row.change is Change.NOT_REPLAYABLE
    assert "uk-bank" in row.note


def test_rotations_matter_only_to_dihedral_policies() -> None:
    turned = replace(KNOWN, signal_type="pdq", distance=4, transform="rotate90")
    dihedral = replace(CURRENT, dihedral=True)
    decision = made(1, Action.REVIEW, turned, content_kind="image", signals=(MD5,))
    (row,) = dry_run(CURRENT, [decision], current=dihedral).rows
    assert (row.change, row.after) == (Change.CHANGED, Action.ALLOW)
    # Switching rotations on cannot be replayed: they were never computed.
    plain = made(2, Action.ALLOW, content_kind="image", signals=(MD5,))
    (row,) = dry_run(dihedral, [plain], current=CURRENT).rows
    assert row.change is Change.NOT_REPLAYABLE


def test_a_disabled_draft_allows_and_a_new_policy_says_it_has_no_history() -> None:
    disabled = replace(CURRENT, enabled=False)
    (row,) = dry_run(disabled, [made(1, Action.REVIEW, SPAM)], current=CURRENT).rows
    assert (row.after, row.note) == (Action.ALLOW, "the draft is disabled")
    result = dry_run(replace(CURRENT, name="new"), [made(1, Action.REVIEW, SPAM)], current=None)
    assert result.rows == ()
    assert any("draft is new" in n for n in result.notes)
    assert any("none of the decisions" in n for n in result.notes)


def test_dry_run_over_decisions_the_engine_stored(store: Store) -> None:
    """End to end: real decisions from the engine, read back newest first from the store."""
    lexicon = parse_lexicon_json(
        '{"format": "ombuds.lexicon/1", "name": "scams", "rules": ['
        '{"id": "r1", "kind": "term", "category": "scam", "term": "zorbcoin"},'
        '{"id": "r2", "kind": "term", "category": "spam", "term": "cheap pills"}]}'
    )
    store.save_lexicon(lexicon, actor="test")
    store.create_bank(Bank("known", "abuse"), actor="test")
    bad = b"known bad bytes"
    md5 = hashlib.md5(bad).hexdigest()
    store.add_entries([BankEntry("known", Signal("md5", md5), "abuse")], actor="test")
    store.save_policy(CURRENT, actor="test")
    settings = Settings(queue="sync", ocr=False)
    engine = build_engine(store, settings, sink=StoreSink(store), deferred=False)
    eu = {"region": "EU"}
    engine.submit(Content.of_text("t1", "cheap pills here", attributes=eu))
    engine.submit(Content.of_text("t2", "hello", attributes=eu))
    engine.submit(Content.of_bytes("i1", ContentKind.IMAGE, bad, attributes=eu))
    engine.close()

    decisions = store.recent_decisions(limit=10, policy="eu")
    assert [d.content_id for d in decisions] == ["i1", "t2", "t1"]
    assert store.recent_decisions(limit=2) == decisions[:2]
    assert store.recent_decisions(limit=5, policy="uk") == []
    draft = replace(CURRENT, actions={"spam": Action.BLOCK, "abuse": Action.LABEL})
    result = dry_run(draft, decisions, current=store.get_policy("eu"))
    assert result.before == {"allow": 1, "review": 2}
    assert result.after == {"allow": 1, "label": 1, "block": 1}
    assert {(r.content_id, r.after) for r in result.changed} == {
        ("t1", Action.BLOCK),
        ("i1", Action.LABEL),
    }
