"""Every backend passes the same checks: tests take the `backend` fixture and build through
`compile_with`, so a new backend registered in the registry is tested by adding nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ombuds.domain import Lexicon
from ombuds.matching.text import TextMatcher, backend_names, compile_lexicons


@pytest.fixture(params=backend_names())
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def compile_with(backend: str) -> Callable[..., TextMatcher]:
    def build(*lexicons: Lexicon) -> TextMatcher:
        return compile_lexicons(list(lexicons), backend=backend)

    return build
