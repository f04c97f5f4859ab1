"""INTERFACE ONLY — being replaced by the real parser (helper task). Do not build on internals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ombuds.domain.content import AttributeValue


@dataclass(frozen=True, slots=True)
class Scope:
    source: str

    @classmethod
    def parse(cls, source: str, *, field: str | None = None) -> Scope:
        return cls(source)

    def covers(self, attributes: Mapping[str, AttributeValue]) -> bool:
        return self.source.strip() == "true"

    def attribute_names(self) -> frozenset[str]:
        return frozenset()
