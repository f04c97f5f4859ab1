"""Confirmed content is banked with provenance, only inside a policy's scope, and the next
copy is caught inline."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from ombuds.domain import Action, Bank, Content, ContentKind, Decision, Policy, Reason, Tier
from ombuds.domain.scope import Scope
from ombuds.engine import Engine, StoreSink
from ombuds.engine.banking import Banker
from ombuds.engine.loading import build_engine
from ombuds.errors import InputError
from ombuds.records import Store
from ombuds.settings import Settings


def picture(seed: int, fmt: str = "PNG", quality: int = 90) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (400, 300), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(400), rng.randrange(300)
        draw.rectangle((x, y, x + 120, y + 90), fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


EU = {"region": "EU"}


def image(data: bytes, attrs: dict[str, str] = EU, cid: str = "c") -> Content:
    return Content(cid, ContentKind.IMAGE, data=data, author_id="u", attributes=attrs)


def wire(store: Store, *, confirm_bank: str = "") -> tuple[Engine, Banker, list[Decision]]:
    store.create_bank(Bank("known", "abuse"), actor="test")
    store.save_policy(
        Policy(
            "eu",
            Scope.parse('region == "EU"'),
            banks=("known",),
            actions={"abuse": Action.BLOCK},
            confirm_bank=confirm_bank,
        ),
        actor="test",
    )
    banker = Banker(store)
    pushed: list[Decision] = []

    def on_decision(decision: Decision) -> None:
        pushed.append(decision)
        banker.on_decision(decision)

    settings = Settings(queue="sync", ocr=False)
    engine = build_engine(
        store, settings, sink=StoreSink(store), deferred=True, on_decision=on_decision
    )
    banker.attach(engine)
    return engine, banker, pushed


def test_a_reviewer_confirmation_banks_signals_and_the_next_copy_is_blocked_inline(
    store: Store,
) -> None:
    engine, banker, pushed = wire(store)
    data = picture(1)
    first = engine.submit(image(data))
    assert first.action is Action.ALLOW
    engine.flush()
    added = banker.confirm(
        pushed[0].decision_id, "known", author="mod-7", reason="reviewed", actor="test"
    )
    assert {e.signal.signal_type for e in added} == {"md5", "sha256", "pdq"}
    assert all(e.author == "mod-7" and pushed[0].decision_id in e.provenance for e in added)
    again = engine.submit(image(data, cid="c2"))
    assert again.action is Action.BLOCK and again.tier is Tier.INLINE
    near = engine.submit(image(picture(1, "JPEG", 60), cid="c3"))
    assert near.action is Action.ALLOW  # not the same bytes: the deferred tier decides
    assert pushed[-1].action is Action.BLOCK and pushed[-1].evidence[0].signal_type == "pdq"


def test_a_policy_confirms_what_its_deferred_tier_blocked(store: Store) -> None:
    engine, banker, pushed = wire(store, confirm_bank="known")
    original = picture(2)
    banker.bank_content(image(original), "eu", "known", author="admin", reason="seed", actor="test")
    variant = picture(2, "JPEG", 70)
    assert engine.submit(image(variant)).action is Action.ALLOW
    assert pushed[-1].action is Action.BLOCK
    # The policy banked the variant's exact hashes: its next copy is stopped before delivery.
    assert engine.submit(image(variant, cid="again")).action is Action.BLOCK


def test_content_outside_the_policy_scope_cannot_be_banked(store: Store) -> None:
    _, banker, _ = wire(store)
    before = store.count_entries("known")
    with pytest.raises(InputError, match="does not cover"):
        banker.bank_content(
            image(picture(3), {"region": "US"}), "eu", "known", author="a", reason="r", actor="test"
        )
    assert store.count_entries("known") == before


def test_an_out_of_scope_decision_cannot_be_confirmed(store: Store) -> None:
    engine, banker, _ = wire(store)
    outside = engine.submit(image(picture(4), {"region": "US"}))
    assert outside.reason is Reason.OUT_OF_SCOPE
    with pytest.raises(InputError, match="only content a policy covered"):
        banker.confirm(outside, "known", author="a", reason="r", actor="test")


def test_a_bank_the_policy_does_not_use_is_refused(store: Store) -> None:
    engine, banker, pushed = wire(store)
    store.create_bank(Bank("elsewhere", "abuse"), actor="test")
    engine.submit(image(picture(5)))
    engine.flush()
    with pytest.raises(InputError, match="does not use bank"):
        banker.confirm(pushed[0].decision_id, "elsewhere", author="a", reason="r", actor="test")


def test_confirm_bank_must_be_one_of_the_policy_banks() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        Policy("p", Scope.parse("true"), banks=("a",), confirm_bank="b")


def test_a_policy_never_banks_what_only_a_lexicon_flagged(store: Store) -> None:
    from ombuds.domain import Lexicon, LexiconRule, RuleKind
    from ombuds.testing import documents as samples

    store.create_bank(Bank("docs", "scam"), actor="test")
    store.save_lexicon(
        Lexicon("w", (LexiconRule("r", RuleKind.TERM, "scam", terms=("zorbcoin",)),)), actor="test"
    )
    store.save_policy(
        Policy(
            "p",
            Scope.parse("true"),
            banks=("docs",),
            lexicons=("w",),
            actions={"scam": Action.BLOCK},
            confirm_bank="docs",
        ),
        actor="test",
    )
    banker = Banker(store)
    engine = build_engine(
        store, Settings(queue="sync", ocr=False), deferred=True, on_decision=banker.on_decision
    )
    banker.attach(engine)
    pages = samples.paragraphs(8, 10)
    pitched = samples.make_html([*pages, "buy zorbcoin now"])
    engine.submit(Content("d1", ContentKind.FILE, data=pitched))
    assert store.count_entries("docs") == 0
    clean = engine.submit(Content("d2", ContentKind.FILE, data=samples.make_html(pages)))
    assert clean.action is Action.ALLOW


def test_confirmed_unscannable_content_takes_the_bank_category(store: Store) -> None:
    engine, banker, pushed = wire(store)
    corrupt = picture(3)[:200]
    engine.submit(image(corrupt))
    engine.flush()
    assert pushed[0].reason is Reason.UNSCANNABLE
    added = banker.confirm(
        pushed[0].decision_id, "known", author="mod", reason="seen it", actor="test"
    )
    assert {e.category for e in added} == {"abuse"}  # not "unscannable"
    again = engine.submit(image(corrupt, cid="c2"))
    assert (again.action, again.tier, again.category) == (Action.BLOCK, Tier.INLINE, "abuse")


def test_a_reviewed_match_confirmed_into_a_bank_is_blocked_next_time(store: Store) -> None:
    """A moderator confirms a case: the bank's category applies to the next copy, not the
    category that sent the first one to review."""
    store.create_bank(Bank("known", "abuse"), actor="test")
    store.create_bank(Bank("suspect", "suspect"), actor="test")
    store.save_policy(
        Policy(
            "eu",
            Scope.parse('region == "EU"'),
            banks=("known", "suspect"),
            actions={"abuse": Action.BLOCK, "suspect": Action.REVIEW},
        ),
        actor="test",
    )
    data = picture(11)
    Banker(store).bank_content(image(data), "eu", "suspect", author="a", reason="r", actor="t")
    engine = build_engine(store, Settings(queue="sync", ocr=False))
    banker = Banker(store, engine)
    first = engine.submit(image(data))
    engine.flush()
    assert (first.action, first.category) == (Action.REVIEW, "suspect")
    added = banker.confirm(first, "known", author="mod", reason="abuse", actor="t")
    assert {e.category for e in added} == {"abuse"}
    again = engine.submit(image(data, cid="c2"))
    assert (again.action, again.tier, again.category) == (Action.BLOCK, Tier.INLINE, "abuse")
    engine.close()
