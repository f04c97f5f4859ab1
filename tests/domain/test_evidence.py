from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ombuds.domain import Action, Decision, Evidence, Reason, Tier
from ombuds.engine.serialize import decision_as_dict

OCR_HIT = Evidence(
    "lexicon", "scams", "r1", "scam", matched_text=("zorbcoin giveaway",), spans=((0, 17),),
    via="ocr", boxes=((18, 276, 192, 307), (17, 319, 192, 353)),
)  # fmt: skip

words = st.text(max_size=12)
evidence = st.builds(
    Evidence,
    source=st.sampled_from(["bank", "lexicon"]),
    name=words,
    rule_id=words,
    category=words,
    signal_type=words,
    distance=st.none() | st.integers(0, 256),
    matched_text=st.tuples(words, words),
    spans=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=3).map(tuple),
    via=st.sampled_from(["", "ocr", "document"]),
    transform=st.sampled_from(["", "original", "rotate90"]),
    boxes=st.lists(st.tuples(*[st.integers(0, 9999)] * 4), max_size=3).map(tuple),
)


@given(evidence)
def test_as_dict_and_from_dict_round_trip(e: Evidence) -> None:
    assert Evidence.from_dict(e.as_dict()) == e


def test_rows_written_before_later_fields_still_load() -> None:
    old = {"source": "bank", "name": "b", "rule_id": "be_1", "category": "abuse"}
    assert Evidence.from_dict(old) == Evidence("bank", "b", "be_1", "abuse")


def test_decision_json_keeps_how_evidence_was_found() -> None:
    decision = Decision(
        "dcs_1", "c", "u", "v", "image", Action.BLOCK, Reason.MATCHED, Tier.DEFERRED,
        datetime(2026, 1, 1, tzinfo=UTC), 5.0, evidence=(OCR_HIT,),
    )  # fmt: skip
    (shown,) = decision_as_dict(decision)["evidence"]
    assert shown["via"] == "ocr" and shown["boxes"] == [[18, 276, 192, 307], [17, 319, 192, 353]]
