"""Documents in the deferred tier: text matched against lexicons, near-duplicates of banked
documents found after edits and re-saves, hostile files unscannable."""

from __future__ import annotations

import pytest

from ombuds.domain import (
    Action,
    Bank,
    Content,
    ContentKind,
    Decision,
    Lexicon,
    LexiconRule,
    Policy,
    Reason,
    RuleKind,
)
from ombuds.domain.scope import Scope
from ombuds.engine import Engine, StoreSink
from ombuds.engine.banking import Banker
from ombuds.engine.loading import build_engine
from ombuds.records import Store
from ombuds.settings import Settings
from ombuds.testing import documents as samples

PAGES = samples.paragraphs(11, 10)  # a title page is a tenth of the document
EU = {"region": "EU"}


def file(data: bytes, cid: str = "d") -> Content:
    return Content(cid, ContentKind.FILE, data=data, author_id="u", attributes=EU)


def wire(store: Store) -> tuple[Engine, Banker, list[Decision]]:
    store.create_bank(Bank("leaks", "leaked-document", threshold=80), actor="test")
    rules = (LexiconRule("w1", RuleKind.TERM, "scam", terms=("zorbcoin giveaway",)),)
    store.save_lexicon(Lexicon("scams", rules), actor="test")
    store.save_policy(
        Policy(
            "eu",
            Scope.parse('region == "EU"'),
            banks=("leaks",),
            lexicons=("scams",),
            actions={"leaked-document": Action.BLOCK, "scam": Action.BLOCK},
        ),
        actor="test",
    )
    pushed: list[Decision] = []
    settings = Settings(queue="sync", ocr=False)
    engine = build_engine(
        store, settings, sink=StoreSink(store), deferred=True, on_decision=pushed.append
    )
    banker = Banker(store, engine)
    return engine, banker, pushed


def test_an_edited_resaved_copy_of_a_banked_document_is_found(store: Store) -> None:
    engine, banker, pushed = wire(store)
    added = banker.bank_content(
        file(samples.make_pdf(PAGES)), "eu", "leaks", author="a", reason="r", actor="test"
    )
    assert "minhash" in {e.signal.signal_type for e in added}
    edited = list(PAGES)
    edited[0] = samples.paragraphs(99, 1)[0]  # a new title page
    edited[2] = edited[2].replace(edited[2].split()[5], "changed", 1)
    engine.submit(file(samples.make_docx(edited)))
    (decision,) = pushed
    assert decision.action is Action.BLOCK and decision.category == "leaked-document"
    hit = decision.evidence[0]
    assert hit.signal_type == "minhash" and hit.distance is not None and hit.distance <= 20


def test_words_inside_a_document_are_matched(store: Store) -> None:
    engine, _, pushed = wire(store)
    text = [PAGES[0], PAGES[1] + " claim your zorbcoin giveaway today"]
    engine.submit(file(samples.make_html(text)))
    hit = pushed[0].evidence[0]
    assert pushed[0].action is Action.BLOCK and (hit.via, hit.rule_id) == ("document", "w1")


def test_an_unrelated_document_is_allowed(store: Store) -> None:
    engine, banker, pushed = wire(store)
    banker.bank_content(
        file(samples.make_pdf(PAGES)), "eu", "leaks", author="a", reason="r", actor="test"
    )
    engine.submit(file(samples.make_pdf(samples.paragraphs(5, 4))))
    assert pushed[0].action is Action.ALLOW and pushed[0].reason is Reason.NO_MATCH


@pytest.mark.parametrize(
    "hostile",
    [
        samples.zip_bomb_docx(3),
        samples.encrypt_pdf(samples.make_pdf(PAGES), user_password="secret"),
        samples.make_pdf(PAGES)[:200],
    ],
    ids=["zip-bomb", "encrypted", "truncated"],
)
def test_hostile_documents_are_unscannable_and_the_next_item_goes_on(
    store: Store, hostile: bytes
) -> None:
    engine, _, pushed = wire(store)
    engine.submit(file(hostile, "bad"))
    engine.submit(file(samples.make_html(PAGES), "good"))
    bad, good = pushed
    assert bad.reason is Reason.UNSCANNABLE and bad.detail
    assert good.reason is Reason.NO_MATCH


def test_a_huge_pdf_is_read_in_part_and_a_clean_part_is_unscannable(store: Store) -> None:
    engine, _, pushed = wire(store)
    engine.submit(file(samples.make_many_pages_pdf(100_000, text="hello there"), "huge"))
    engine.submit(file(samples.make_many_pages_pdf(100_000, text="zorbcoin giveaway"), "bad"))
    clean, caught = pushed
    assert clean.reason is Reason.UNSCANNABLE and "only part" in clean.detail
    assert caught.action is Action.BLOCK and caught.evidence[0].via == "document"
