import hashlib
from datetime import timedelta

import pytest

from ombuds.domain import (
    Action,
    BankEntry,
    Content,
    ContentKind,
    Lexicon,
    LexiconRule,
    Policy,
    Reason,
    RuleKind,
    Signal,
    Tier,
)
from ombuds.domain.scope import Scope
from ombuds.matching.signals import SignalTypeRegistry
from ombuds.matching.signals.exact import MD5Signal, SHA256Signal
from ombuds.settings import Settings

from .conftest import NOW, EngineFactory

SCAMS = Lexicon(
    "scams",
    (
        LexiconRule("s1", RuleKind.TERM, "scam", terms=("zorbcoin giveaway",)),
        LexiconRule("s2", RuleKind.TERM, "spam", terms=("cheap wuzzles",)),
        LexiconRule("s3", RuleKind.TERM, "fun", terms=("knock knock",)),
    ),
)
BAD = b"\x89PNG\r\n\x1a\n a banned picture"


def policy(**kw: object) -> Policy:
    fields: dict[str, object] = {
        "name": "eu",
        "scope": Scope.parse('region == "EU"'),
        "banks": ("images",),
        "lexicons": ("scams",),
        "actions": {
            "scam": Action.BLOCK,
            "spam": Action.LABEL,
            "abuse": Action.BLOCK,
            "fun": Action.ALLOW,
        },
        "ground": "ToS 4.2",
    }
    fields.update(kw)
    return Policy(**fields)  # type: ignore[arg-type]


def entry(data: bytes = BAD, **kw: object) -> BankEntry:
    fields: dict[str, object] = {
        "bank": "images",
        "signal": Signal("md5", hashlib.md5(data).hexdigest()),
        "category": "abuse",
        "public_id": "be_1",
    }
    fields.update(kw)
    return BankEntry(**fields)  # type: ignore[arg-type]


def text(body: str, region: str = "EU") -> Content:
    return Content.of_text("m1", body, author_id="u1", attributes={"region": region})


def image(data: bytes = BAD, region: str = "EU") -> Content:
    return Content(
        "i1", ContentKind.IMAGE, data=data, author_id="u1", attributes={"region": region}
    )


class CountingMD5(MD5Signal):
    calls = 0

    def compute(self, content: Content) -> Signal | None:
        CountingMD5.calls += 1
        return super().compute(content)


def test_out_of_scope_content_is_allowed_and_nothing_is_computed_or_kept(
    make_engine: EngineFactory,
) -> None:
    registry = SignalTypeRegistry()
    registry.register(CountingMD5)
    CountingMD5.calls = 0
    engine, sink = make_engine([policy()], [SCAMS], [entry()], registry=registry)
    for content in (image(region="US"), text("zorbcoin giveaway", region="US")):
        decision = engine.submit(content)
        assert decision.action is Action.ALLOW
        assert decision.reason is Reason.OUT_OF_SCOPE
        assert decision.decision_id == "" and decision.evidence == ()
        assert decision.signal_types == ()
    assert CountingMD5.calls == 0
    assert sink.decisions == []


def test_in_scope_text_match_blocks_with_a_notice(make_engine: EngineFactory) -> None:
    engine, sink = make_engine([policy()], [SCAMS])
    decision = engine.submit(text("win a ZORBCOIN giveaway now"))
    assert decision.action is Action.BLOCK
    assert decision.reason is Reason.MATCHED
    assert (decision.category, decision.policy, decision.tier) == ("scam", "eu", Tier.INLINE)
    assert [e.rule_id for e in decision.evidence] == ["s1"]
    notice = decision.notice
    assert notice is not None
    assert notice.decision_id == decision.decision_id
    assert notice.matched == ("s1",) and notice.ground == "ToS 4.2"
    assert notice.automated_detection and notice.automated_decision
    assert notice.how_to_appeal.endswith(notice.notice_id)
    assert sink.decisions == [decision]
    assert decision.created_at == NOW and decision.elapsed_us > 0


def test_clean_in_scope_text_is_allowed_and_recorded(make_engine: EngineFactory) -> None:
    engine, sink = make_engine([policy()], [SCAMS])
    decision = engine.submit(text("see you at the station"))
    assert (decision.action, decision.reason) == (Action.ALLOW, Reason.NO_MATCH)
    assert decision.notice is None and decision.decision_id.startswith("dcs_")
    assert sink.decisions == [decision]


def test_most_severe_match_wins_and_allow_category_needs_no_notice(
    make_engine: EngineFactory,
) -> None:
    engine, _ = make_engine([policy()], [SCAMS])
    both = engine.submit(text("cheap wuzzles and a zorbcoin giveaway"))
    assert both.action is Action.BLOCK and both.category == "scam"
    assert {e.rule_id for e in both.evidence} == {"s1", "s2"}
    labelled = engine.submit(text("cheap wuzzles"))
    assert labelled.action is Action.LABEL and labelled.notice is not None
    harmless = engine.submit(text("knock knock"))
    assert harmless.action is Action.ALLOW and harmless.reason is Reason.MATCHED
    assert harmless.notice is None


def test_banked_image_is_blocked_inline(make_engine: EngineFactory) -> None:
    engine, _ = make_engine([policy()], [SCAMS], [entry()])
    decision = engine.submit(image())
    assert decision.action is Action.BLOCK and decision.category == "abuse"
    assert decision.evidence[0].source == "bank" and decision.evidence[0].rule_id == "be_1"
    assert set(decision.signal_types) == {"md5", "sha256"}
    assert decision.notice is not None and decision.notice.matched == ("be_1",)
    assert engine.submit(image(b"\x89PNG\r\n\x1a\n another")).action is Action.ALLOW


@pytest.mark.parametrize(
    "variant",
    [
        {"enabled": False},
        {"expires_at": NOW - timedelta(seconds=1)},
        {"disabled_until": NOW + timedelta(days=1)},
        {"bank": "other-bank"},
    ],
)
def test_inactive_or_foreign_entries_do_not_match(
    make_engine: EngineFactory, variant: dict[str, object]
) -> None:
    engine, _ = make_engine([policy()], [SCAMS], [entry(**variant)])
    assert engine.submit(image()).action is Action.ALLOW


def test_entry_disabled_until_a_past_time_is_active_again(make_engine: EngineFactory) -> None:
    past = entry(enabled=False, disabled_until=NOW - timedelta(hours=1))
    engine, _ = make_engine([policy()], [SCAMS], [past])
    assert engine.submit(image()).action is Action.BLOCK


def test_a_policy_only_judges_its_own_banks_and_lexicons(make_engine: EngineFactory) -> None:
    narrow = policy(name="narrow", banks=(), lexicons=())
    engine, _ = make_engine([narrow], [SCAMS], [entry()])
    assert engine.submit(image()).action is Action.ALLOW
    assert engine.submit(text("zorbcoin giveaway")).action is Action.ALLOW


def test_several_covering_policies_the_strictest_decides(make_engine: EngineFactory) -> None:
    lenient = policy(name="a-lenient", actions={"scam": Action.LABEL})
    strict = policy(name="b-strict", scope=Scope.parse("true"))
    engine, _ = make_engine([lenient, strict], [SCAMS])
    decision = engine.submit(text("zorbcoin giveaway"))
    assert decision.action is Action.BLOCK and decision.policy == "b-strict"


def test_disabled_policies_cover_nothing(make_engine: EngineFactory) -> None:
    engine, sink = make_engine([policy(enabled=False)], [SCAMS])
    assert engine.submit(text("zorbcoin giveaway")).reason is Reason.OUT_OF_SCOPE
    assert sink.decisions == []


def test_oversized_file_is_unscannable_and_the_policy_decides(make_engine: EngineFactory) -> None:
    settings = Settings(max_file_bytes=8)
    strict = policy(actions={"unscannable": Action.REVIEW})
    engine, _ = make_engine([strict], [SCAMS], [entry()], settings=settings)
    decision = engine.submit(image())
    assert decision.reason is Reason.UNSCANNABLE and decision.category == "unscannable"
    assert decision.action is Action.REVIEW and "exceeds the limit of 8" in decision.detail
    assert decision.signal_types == ()


def test_long_text_is_matched_on_its_first_part(make_engine: EngineFactory) -> None:
    engine, _ = make_engine([policy()], [SCAMS], settings=Settings(max_text_chars=50))
    assert engine.submit(text("zorbcoin giveaway " + "x" * 100)).action is Action.BLOCK
    assert engine.submit(text("x " * 100 + "zorbcoin giveaway")).action is Action.ALLOW


def test_sha256_bank_entries_match_too(make_engine: EngineFactory) -> None:
    sha = Signal("sha256", hashlib.sha256(BAD).hexdigest())
    engine, _ = make_engine([policy()], [SCAMS], [entry(signal=sha)])
    decision = engine.submit(image())
    assert decision.action is Action.BLOCK and decision.evidence[0].signal_type == "sha256"


def test_exact_types_used_are_the_registered_ones() -> None:
    registry = SignalTypeRegistry()
    registry.register(SHA256Signal)
    assert registry.names() == ["md5", "minhash", "pdq", "sha256"]  # plugins load on first use
