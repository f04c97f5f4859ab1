"""Decision: the verdict for one content item; Notice: its statement of reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ombuds.domain.signal import Signal
from ombuds.domain.value import value_object


class Action(StrEnum):
    ALLOW = "allow"
    LABEL = "label"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def restricts(self) -> bool:
        """Whether the action restricts the content (and so owes the user a notice)."""
        return self is not Action.ALLOW


_SEVERITY = {Action.ALLOW: 0, Action.LABEL: 1, Action.REVIEW: 2, Action.BLOCK: 3}


class Tier(StrEnum):
    INLINE = "inline"  # before delivery: exact hashes and text rules, microseconds
    DEFERRED = "deferred"  # after delivery: decoding, perceptual hashes, OCR, documents


class Reason(StrEnum):
    OUT_OF_SCOPE = "out_of_scope"  # no policy covers the content: nothing was computed
    NO_MATCH = "no_match"
    MATCHED = "matched"
    UNSCANNABLE = "unscannable"  # the content could not be analysed (corrupt, too large...)


@value_object
class Evidence:
    """One thing that matched: a bank entry or a lexicon rule."""

    source: str  # "bank" or "lexicon"
    name: str  # bank or lexicon name
    rule_id: str  # public id of the bank entry or lexicon rule
    category: str
    signal_type: str = ""  # for banks
    distance: int | None = None  # for perceptual signals
    matched_text: tuple[str, ...] = ()  # for lexicons: the terms found, as normalized
    spans: tuple[tuple[int, int], ...] = ()  # for lexicons: offsets in the normalized text
    via: str = ""  # where matched text came from: "" (the message), "ocr" or "document"
    transform: str = ""  # for perceptual matches: the rotation/mirror that matched, if any
    boxes: tuple[tuple[int, int, int, int], ...] = ()  # for OCR: x0, y0, x1, y1 of the words

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: the one shape the store, the CLI and the API share."""
        return {
            "source": self.source,
            "name": self.name,
            "rule_id": self.rule_id,
            "category": self.category,
            "signal_type": self.signal_type,
            "distance": self.distance,
            "matched_text": list(self.matched_text),
            "spans": [list(span) for span in self.spans],
            "via": self.via,
            "transform": self.transform,
            "boxes": [list(box) for box in self.boxes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """The inverse of `as_dict`; fields added later default, so old rows still load."""
        return cls(
            source=data["source"],
            name=data["name"],
            rule_id=data["rule_id"],
            category=data["category"],
            signal_type=data.get("signal_type", ""),
            distance=data.get("distance"),
            matched_text=tuple(data.get("matched_text", ())),
            spans=tuple((int(a), int(b)) for a, b in data.get("spans", ())),
            via=data.get("via", ""),
            transform=data.get("transform", ""),
            boxes=tuple(_box(b) for b in data.get("boxes", ())),
        )


def _box(values: Sequence[int]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(v) for v in values)
    return x0, y0, x1, y1


@value_object
class Notice:
    """The statement of reasons owed to the affected user for a restricting decision."""

    notice_id: str
    decision_id: str
    content_id: str
    author_id: str
    action: Action
    category: str
    policy: str
    ground: str
    automated_detection: bool
    automated_decision: bool
    matched: tuple[str, ...]  # public ids of the rules or bank entries
    how_to_appeal: str
    created_at: datetime


@value_object
class Decision:
    decision_id: str
    content_id: str
    author_id: str
    conversation_id: str
    content_kind: str
    action: Action
    reason: Reason
    tier: Tier
    created_at: datetime
    elapsed_us: float
    category: str = ""
    policy: str = ""
    evidence: tuple[Evidence, ...] = ()
    signal_types: tuple[str, ...] = ()  # signal types computed for this decision
    # The fingerprints themselves (never the bytes): a reviewer who confirms the decision
    # can bank them after the content is gone.
    signals: tuple[Signal, ...] = ()
    notice: Notice | None = None
    supersedes: str | None = None  # a deferred decision points at the inline one it changes
    detail: str = ""  # e.g. why content was unscannable
    extra: dict[str, str] = field(default_factory=dict)
