"""Canaries are fresh, distinct, and carry their term where the deferred tier reads it."""

from __future__ import annotations

import random

from ombuds.engine.deferred.analysis import handle
from ombuds.extraction.documents import extract_text
from ombuds.interfaces.audit.canaries import CANARY, CONTROL, closest_pdq, make_set


def test_documents_carry_the_term_in_every_format_and_hash_apart() -> None:
    rng = random.Random(5)
    made = make_set(CANARY, ["zorbcoin giveaway", "buy now"], documents=8, images=0, rng=rng)
    assert [c.format for c in made] == ["pdf", "docx", "html", "txt"] * 2
    assert [c.label for c in made] == [f"A{i}" for i in range(1, 9)]
    for canary in made:
        assert canary.term in extract_text(canary.data).text.lower().replace("\n", " ")
    assert len({c.md5 for c in made}) == len({c.sha256 for c in made}) == 8


def test_a_non_latin_term_skips_the_winansi_pdf() -> None:
    made = make_set(CONTROL, ["免费送币"], documents=3, images=0, rng=random.Random(1))
    assert [c.format for c in made] == ["docx", "html", "txt"]
    assert all(c.label.startswith("B") for c in made)


def test_images_are_read_by_ocr_and_far_apart_perceptually() -> None:
    rng = random.Random(9)
    first = make_set(CANARY, ["zorbcoin giveaway"], documents=0, images=2, rng=rng)
    second = make_set(CONTROL, ["zorbcoin giveaway"], documents=0, images=2, rng=rng)
    text = handle({"kind": "image", "analyses": ["ocr"]}, first[0].data)["text"]
    assert text.lower().split() == ["zorbcoin", "giveaway"]
    distance = closest_pdq(first, second)
    assert distance is not None and distance > 31  # beyond any bank's default threshold
    assert first[0].as_dict()["bytes"] == len(first[0].data)
    assert "data" not in first[0].as_dict()
