"""Hyperscan backend: literal mode for terms, prefilter mode for patterns."""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from ombuds.matching.text.backends.base import (
    Automaton,
    BackendPatternError,
    LiteralHits,
    PatternSpec,
)

# Prefilter mode accepts constructs hyperscan cannot run exactly (back-references,
# lookbehind...) by matching a superset; Python `re` confirms every candidate anyway.
# Single-match: one report per pattern is all a candidate list needs.
_PATTERN_FLAGS = ("HS_FLAG_CASELESS", "HS_FLAG_UTF8", "HS_FLAG_UCP", "HS_FLAG_PREFILTER")
# Texts scanned together are joined by this byte: no literal holding it, no occurrence can
# span two texts, and each hit belongs to the text its last byte lies in.
_JOIN = b"\n"


def pcre_source(source: str) -> str:
    """Rewrite the Python-only regex syntax that PCRE (hence hyperscan) reads differently.

    `\\uXXXX`, `\\UXXXXXXXX` and `\\N{NAME}` become `\\x{...}`; `{,n}` (Python: zero to n)
    becomes `{0,n}` (PCRE would read it as literal text and so miss matches).
    """
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            nxt = source[i + 1]
            width = {"u": 4, "U": 8}.get(nxt)
            if width is not None and i + 2 + width <= n:
                out.append("\\x{" + source[i + 2 : i + 2 + width] + "}")
                i += 2 + width
                continue
            if nxt == "N" and source.startswith("{", i + 2) and "}" in source[i + 3 :]:
                close = source.index("}", i + 3)
                try:
                    cp = ord(unicodedata.lookup(source[i + 3 : close]))
                except KeyError:
                    pass  # Python already rejected an unknown name
                else:
                    out.append(f"\\x{{{cp:x}}}")
                    i = close + 1
                    continue
            out.append(source[i : i + 2])
            i += 2
            continue
        if ch == "{" and source.startswith("{,", i):
            out.append("{0,")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _on_literal(lit_id: int, _start: int, end: int, _flags: int, hits: LiteralHits) -> None:
    hits.append((lit_id, end))


def _on_pattern(pat_id: int, _start: int, _end: int, _flags: int, ids: list[int]) -> None:
    ids.append(pat_id)


class HyperscanAutomaton(Automaton):
    backend = "hyperscan"

    def __init__(self, literals: Sequence[str], patterns: Sequence[PatternSpec]) -> None:
        import hyperscan

        self._hs: Any = hyperscan
        self._literal_db: Any = None
        self._pattern_db: Any = None
        if literals:
            self._literal_db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._literal_db.compile(
                expressions=[lit.encode("utf-8") for lit in literals],
                ids=list(range(len(literals))),
                elements=len(literals),
                flags=0,
                literal=True,
            )
        if patterns:
            self._pattern_db = self._compile_patterns(patterns)
        self._joinable = not any(_JOIN.decode() in lit for lit in literals)
        # Scratch space is per thread: hyperscan refuses a scratch already in use.
        self._local = threading.local()

    def _pattern_flags(self) -> int:
        flags: int = self._hs.HS_FLAG_SINGLEMATCH
        for name in _PATTERN_FLAGS:
            flags |= getattr(self._hs, name)
        return flags

    def _compile_patterns(self, patterns: Sequence[PatternSpec]) -> Any:
        hs = self._hs
        flags = self._pattern_flags()
        encoded: list[bytes] = []
        for i, p in enumerate(patterns):
            try:
                source = pcre_source(p.source)
                if p.compiled.flags & re.VERBOSE:
                    source += "\n"  # PCRE refuses a verbose comment that no newline ends
                encoded.append(source.encode("utf-8"))
            except UnicodeEncodeError as e:
                raise BackendPatternError(i, f"not valid UTF-8: {e.reason}") from None
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=encoded,
                ids=list(range(len(encoded))),
                elements=len(encoded),
                flags=flags,
            )
        except hs.error as e:
            # Hyperscan names no expression in its error: find the culprit one by one (only on
            # this error path).
            for i, expr in enumerate(encoded):
                try:
                    hs.Database(mode=hs.HS_MODE_BLOCK).compile(
                        expressions=[expr], ids=[0], elements=1, flags=flags
                    )
                except hs.error as single:
                    raise BackendPatternError(i, f"hyperscan: {single}") from None
            raise BackendPatternError(-1, f"hyperscan: {e}") from None
        return db

    def _scratches(self) -> tuple[Any, Any]:
        pair: tuple[Any, Any] | None = getattr(self._local, "scratch", None)
        if pair is None:
            hs = self._hs
            pair = (
                hs.Scratch(self._literal_db) if self._literal_db is not None else None,
                hs.Scratch(self._pattern_db) if self._pattern_db is not None else None,
            )
            self._local.scratch = pair
        return pair

    def native_bytes(self) -> int:
        dbs = (self._literal_db, self._pattern_db)
        return sum(int(db.size()) for db in dbs if db is not None)

    def scan(self, text: str, *, patterns: bool = True) -> tuple[LiteralHits, Sequence[int]]:
        data = text.encode("utf-8")
        literal_scratch, pattern_scratch = self._scratches()
        hits: LiteralHits = []
        if literal_scratch is not None:
            self._literal_db.scan(
                data, match_event_handler=_on_literal, context=hits, scratch=literal_scratch
            )
            if hits and len(data) != len(text):
                # Hyperscan reports byte offsets; hits are rare, so convert only them.
                hits = [(i, len(data[:end].decode("utf-8"))) for i, end in hits]
        ids: list[int] = []
        if patterns and pattern_scratch is not None:
            self._pattern_db.scan(
                data, match_event_handler=_on_pattern, context=ids, scratch=pattern_scratch
            )
        return hits, ids

    def scan_many(
        self, texts: Sequence[str], *, patterns: bool = True
    ) -> list[tuple[LiteralHits, Sequence[int]]]:
        # One literal pass for all: per call, Hyperscan's set-up costs as much as scanning a
        # chat message. Patterns stay one scan per text: their anchors and single-match
        # reports are per buffer.
        if self._literal_db is None or not self._joinable or len(texts) < 2:
            return super().scan_many(texts, patterns=patterns)
        encoded = [text.encode("utf-8") for text in texts]
        literal_scratch, pattern_scratch = self._scratches()
        found: LiteralHits = []
        self._literal_db.scan(
            _JOIN.join(encoded),
            match_event_handler=_on_literal,
            context=found,
            scratch=literal_scratch,
        )
        per_text: list[LiteralHits] = [[] for _ in texts]
        if found:
            starts = list(accumulate((len(data) + 1 for data in encoded), initial=0))
            for lit_id, end in found:
                i = bisect_right(starts, end - 1) - 1
                per_text[i].append((lit_id, end - starts[i]))
        for i, hits in enumerate(per_text):
            if hits and len(encoded[i]) != len(texts[i]):
                data = encoded[i]
                per_text[i] = [(lit, len(data[:end].decode("utf-8"))) for lit, end in hits]
        if not patterns or pattern_scratch is None:
            return [(hits, ()) for hits in per_text]
        return [
            (hits, self._candidates(data, pattern_scratch))
            for hits, data in zip(per_text, encoded, strict=True)
        ]

    def _candidates(self, data: bytes, scratch: Any) -> list[int]:
        ids: list[int] = []
        self._pattern_db.scan(data, match_event_handler=_on_pattern, context=ids, scratch=scratch)
        return ids


def build(literals: Sequence[str], patterns: Sequence[PatternSpec]) -> Automaton:
    return HyperscanAutomaton(literals, patterns)
