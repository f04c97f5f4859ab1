from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.engine.deferred.matchers import text_evidence
from ombuds.matching.text import compile_lexicons

MATCHER = compile_lexicons(
    [
        Lexicon(
            "scams",
            (
                LexiconRule("r1", RuleKind.TERM, "scam", terms=("zorbcoin giveaway",)),
                LexiconRule("r2", RuleKind.TERM, "scam", terms=("seed",)),
            ),
        )
    ]
)


def word(text: str, top: int) -> dict[str, object]:
    return {"text": text, "box": [[10, top], [90, top], [90, top + 20], [10, top + 20]]}


def test_a_term_split_over_two_ocr_lines_gets_both_boxes() -> None:
    words = [word("ZORBCOIN", 0), word("GIVEAWAY", 30), word("nothing here", 60)]
    (hit,) = text_evidence(MATCHER, "ZORBCOIN\nGIVEAWAY\nnothing here", "ocr", {"scams"}, words)
    assert hit.via == "ocr" and hit.rule_id == "r1"
    assert hit.boxes == ((10, 0, 90, 20), (10, 30, 90, 50))


def test_a_term_on_one_line_gets_that_line() -> None:
    words = [word("hello", 0), word("your seed phrase", 30)]
    (hit,) = text_evidence(MATCHER, "hello\nyour seed phrase", "ocr", {"scams"}, words)
    assert hit.boxes == ((10, 30, 90, 50),)


def test_document_text_has_no_boxes_and_lexicon_filter_applies() -> None:
    (hit,) = text_evidence(MATCHER, "a zorbcoin giveaway", "document", {"scams"})
    assert hit.via == "document" and hit.boxes == ()
    assert text_evidence(MATCHER, "a zorbcoin giveaway", "document", {"other"}) == []
    assert text_evidence(MATCHER, "", "ocr", {"scams"}) == []
