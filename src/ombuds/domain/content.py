"""Content: one thing a user shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from types import MappingProxyType

from ombuds.domain.value import value_object

AttributeValue = str | int | float | bool | None


class ContentKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    FILE = "file"


def _frozen(attrs: Mapping[str, AttributeValue]) -> Mapping[str, AttributeValue]:
    return MappingProxyType(dict(attrs))


_NO_EXTRA: Mapping[str, str] = MappingProxyType({})


@value_object
class Content:
    """A text, image or file with the platform's ids and the attributes scopes look at.

    Ombuds never needs a real name: `author_id` and `conversation_id` are the platform's
    opaque ids. `data` holds the bytes of an image or file only while it is being checked;
    nothing in Ombuds stores it.
    """

    content_id: str
    kind: ContentKind
    author_id: str = ""
    conversation_id: str = ""
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    text: str | None = None
    data: bytes | None = None
    media_type: str | None = None
    filename: str | None = None
    # The platform's references kept with the decision (e.g. `preview_url`, a link to a
    # thumbnail the platform serves to reviewers); never content.
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen(self.attributes))
        # Most content carries no extra: one shared empty view, not a copy each.
        extra = MappingProxyType(dict(self.extra)) if self.extra else _NO_EXTRA
        object.__setattr__(self, "extra", extra)
        if self.kind is ContentKind.TEXT and self.text is None:
            raise ValueError("text content needs `text`")
        if self.kind is not ContentKind.TEXT and self.data is None:
            raise ValueError(f"{self.kind} content needs `data`")

    @classmethod
    def of_text(cls, content_id: str, text: str, **kw: object) -> Content:
        return cls(content_id=content_id, kind=ContentKind.TEXT, text=text, **kw)  # type: ignore[arg-type]

    @classmethod
    def of_bytes(cls, content_id: str, kind: ContentKind, data: bytes, **kw: object) -> Content:
        return cls(content_id=content_id, kind=kind, data=data, **kw)  # type: ignore[arg-type]
