"""`Engine.submit_many`: a batch is decided exactly as its items would be one by one."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from ombuds.domain import (
    Action,
    BankEntry,
    Content,
    ContentKind,
    Decision,
    Lexicon,
    LexiconRule,
    Policy,
    Reason,
    RuleKind,
    Signal,
)
from ombuds.domain.scope import Scope

from .conftest import NOW, EngineFactory

BAD = b"\x89PNG\r\n\x1a\n a banned picture"
WORDS = Lexicon(
    "words",
    (
        LexiconRule("w1", RuleKind.TERM, "scam", terms=("zorbcoin",)),
        LexiconRule("w2", RuleKind.TERM, "spam", terms=("wuzzles",)),
    ),
)
OTHER = Lexicon("other", (LexiconRule("o1", RuleKind.TERM, "scam", terms=("wuzzles",)),))
EU = Policy(
    "eu",
    Scope.parse('region == "EU"'),
    banks=("images",),
    lexicons=("words",),
    actions={"scam": Action.BLOCK, "spam": Action.LABEL, "abuse": Action.BLOCK},
)
# A second policy with another lexicon: items it alone covers must not see "words" hits.
NL = Policy(
    "nl", Scope.parse('region == "NL"'), lexicons=("other",), actions={"scam": Action.REVIEW}
)
ENTRY = BankEntry("images", Signal("md5", hashlib.md5(BAD).hexdigest()), "abuse", public_id="be1")


def _batch() -> list[Content]:
    def text(i: int, body: str, region: str) -> Content:
        return Content.of_text(f"t{i}", body, author_id=f"u{i}", attributes={"region": region})

    return [
        text(0, "a zorbcoin deal", "EU"),
        text(1, "cheap wuzzles", "NL"),
        text(2, "zorbcoin for wuzzles", "US"),  # out of scope: nothing is computed
        Content("i3", ContentKind.IMAGE, data=BAD, attributes={"region": "EU"}),
        text(4, "", "EU"),
        text(5, "nothing to see\nhere", "EU"),
        text(6, "wuzzles and zorbcoin", "EU"),
        text(7, "zorbcoin", "NL"),  # "words" is not NL's lexicon
    ]


def _comparable(d: Decision) -> Decision:
    # Ids and timings differ between two runs by nature; everything else must not.
    notice = d.notice and replace(d.notice, notice_id="", decision_id="", how_to_appeal="")
    return replace(d, decision_id="", elapsed_us=0.0, notice=notice)


def test_a_batch_decides_as_its_items_one_by_one(make_engine: EngineFactory) -> None:
    engine, _ = make_engine([EU, NL], [WORDS, OTHER], [ENTRY])
    one_by_one = [engine.submit(content) for content in _batch()]
    together = engine.submit_many(_batch())
    assert [_comparable(d) for d in together] == [_comparable(d) for d in one_by_one]
    assert [(d.action, d.category) for d in together] == [
        (Action.BLOCK, "scam"),
        (Action.REVIEW, "scam"),
        (Action.ALLOW, ""),
        (Action.BLOCK, "abuse"),
        (Action.ALLOW, ""),
        (Action.ALLOW, ""),
        (Action.BLOCK, "scam"),
        (Action.ALLOW, ""),
    ]


def test_a_batch_records_every_in_scope_decision_once(make_engine: EngineFactory) -> None:
    engine, sink = make_engine([EU, NL], [WORDS, OTHER], [ENTRY])
    decisions = engine.submit_many(_batch())
    in_scope = [d for d in decisions if d.reason is not Reason.OUT_OF_SCOPE]
    assert sink.decisions == in_scope and len(in_scope) == 7
    assert len({d.decision_id for d in in_scope}) == 7
    assert all(d.created_at == NOW and d.elapsed_us > 0 for d in in_scope)


def test_a_batch_wholly_out_of_scope_computes_nothing(make_engine: EngineFactory) -> None:
    engine, sink = make_engine([EU], [WORDS], [ENTRY])
    out = [Content.of_text(f"t{i}", "zorbcoin", attributes={"region": "US"}) for i in range(3)]
    decisions = engine.submit_many(out)
    assert [d.reason for d in decisions] == [Reason.OUT_OF_SCOPE] * 3
    assert sink.decisions == [] and engine.submit_many([]) == []
