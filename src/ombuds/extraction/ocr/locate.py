"""Which OCR lines hold the text a lexicon matched, so a decision can say where it was."""

from __future__ import annotations

from collections.abc import Iterable

from ombuds.extraction.ocr.result import OcrResult, OcrWord


def locate(
    result: OcrResult,
    terms: Iterable[str] = (),
    *,
    spans: Iterable[tuple[int, int]] = (),
) -> tuple[OcrWord, ...]:
    """The lines of `result` that hold matched text, in reading order, each once.

    `terms` are matched terms (`Evidence.matched_text`); they are normalized again, which is
    harmless for already-normalized terms, so raw terms work too. A line is returned when the
    term occurs in it, or in the text of consecutive lines joined by a space (OCR breaks a
    phrase over two lines; the matcher reads the newline as a space), in which case every line
    the occurrence touches is returned.

    `spans` are `Evidence.spans`: offsets into the normalized text that
    `TextMatcher.match_with_text(result.text)` returned. They also locate matches a term
    search cannot, such as separator-insensitive ones ("b.u.y" for the term "buy").
    """
    from ombuds.matching.text import normalize

    pieces = [(i, normalize(w.text)) for i, w in enumerate(result.words)]
    pieces = [(i, p) for i, p in pieces if p]
    joined = " ".join(p for _, p in pieces)
    # (start, end, word index) of each line inside `joined`.
    offsets: list[tuple[int, int, int]] = []
    at = 0
    for index, piece in pieces:
        offsets.append((at, at + len(piece), index))
        at += len(piece) + 1

    ranges: list[tuple[int, int]] = []
    for term in terms:
        ranges.extend(_occurrences(joined, normalize(term)))
    spans = list(spans)
    if spans:
        norm_text = normalize(result.text)
        if norm_text == joined:
            ranges.extend(spans)
        else:
            # Normalizing line by line differed from normalizing the whole text (not seen in
            # practice; possible in principle with exotic characters at line ends): fall back
            # to searching for the spanned text.
            for start, end in spans:
                ranges.extend(_occurrences(joined, norm_text[start:end]))

    hit: set[int] = set()
    for start, end in ranges:
        for line_start, line_end, index in offsets:
            if start < line_end and line_start < end:
                hit.add(index)
    return tuple(w for i, w in enumerate(result.words) if i in hit)


def _occurrences(text: str, term: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if not term:
        return found
    start = text.find(term)
    while start >= 0:
        found.append((start, start + len(term)))
        start = text.find(term, start + 1)
    return found
