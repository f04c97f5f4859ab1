"""Lexicon matching for text: normalization and the compiled multi-pattern matcher.

    matcher = compile_lexicons(lexicons)            # once, when lexicons change
    evidence = matcher.match(text, lexicons={...})  # per message

Importing this package builds nothing: lookup tables are made on first use and backends are
imported when chosen.
"""

from ombuds.matching.text.backends import DEFAULT_BACKEND, backend_names
from ombuds.matching.text.matcher import TextMatcher, compile_lexicons
from ombuds.matching.text.normalize import normalize

__all__ = ["DEFAULT_BACKEND", "TextMatcher", "backend_names", "compile_lexicons", "normalize"]
