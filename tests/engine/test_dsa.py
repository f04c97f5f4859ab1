"""Statements of reasons in the DSA Transparency Database's format: built from notices and
the operator's profile, and checked against the database's allowed values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ombuds.domain import Action, Notice
from ombuds.domain.appeal import NoticeRecord
from ombuds.engine import dsa_values as V
from ombuds.engine.dsa import DsaProfile, statement
from ombuds.errors import ConflictError, InputError

WHEN = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
PROFILE = {
    "format": "ombuds.dsa/1",
    "categories": {"scam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"},
    "policy_categories": {"kids": {"scam": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"}},
    "territorial_scope": ["DE", "FR", "DE"],
}


def record(
    action: Action = Action.BLOCK,
    *,
    kind: str = "text",
    category: str = "scam",
    policy: str = "eu",
    humans: tuple[str, ...] = (),
    ground: str = "Terms of Service §4.2",
) -> NoticeRecord:
    notice = Notice(
        notice_id="ntc_0193a1b2c3d4e5f6",
        decision_id="dcs_1",
        content_id="c1",
        author_id="private-user-id",
        action=action,
        category=category,
        policy=policy,
        ground=ground,
        automated_detection=True,
        automated_decision=True,
        matched=("r1", "be_abc"),
        how_to_appeal="https://example.invalid/appeals/ntc_0193a1b2c3d4e5f6",
        created_at=WHEN,
    )
    return NoticeRecord(notice, kind, WHEN, human_deciders=humans)


@pytest.mark.parametrize("action", [Action.BLOCK, Action.REVIEW, Action.LABEL])
@pytest.mark.parametrize("kind", ["text", "image", "file"])
@pytest.mark.parametrize("humans", [(), ("mod-a",)])
def test_every_statement_passes_the_databases_rules(
    action: Action, kind: str, humans: tuple[str, ...]
) -> None:
    out = statement(record(action, kind=kind, humans=humans), DsaProfile.parse(PROFILE))
    assert V.validate(out) == []
    assert out["decision_visibility"][0] in V.DECISION_VISIBILITY
    assert out["content_type"][0] in V.CONTENT_TYPE
    assert out["automated_decision"] == (
        "AUTOMATED_DECISION_PARTIALLY" if humans else "AUTOMATED_DECISION_FULLY"
    )


def test_a_statement_says_what_why_and_on_what_ground() -> None:
    out = statement(record(kind="file"), DsaProfile.parse(PROFILE))
    assert out["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert out["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert out["incompatible_content_ground"] == "Terms of Service §4.2"
    assert "r1, be_abc" in out["incompatible_content_explanation"]
    assert out["category"] == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert out["territorial_scope"] == ["DE", "FR"]
    assert (out["content_type"], out["content_type_other"]) == (
        ["CONTENT_TYPE_OTHER"],
        "file shared in a conversation",
    )
    assert out["content_date"] == out["application_date"] == "2026-11-24"
    assert (out["source_type"], out["automated_detection"]) == ("SOURCE_VOLUNTARY", "Yes")
    assert out["puid"] == "ntc_0193a1b2c3d4e5f6"
    # The database is public: no personal data goes in.
    assert "private-user-id" not in str(out) and "c1" not in out.values()


def test_per_policy_mapping_default_and_unmapped_categories() -> None:
    profile = DsaProfile.parse(PROFILE)
    kids = statement(record(policy="kids"), profile)
    assert kids["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    with pytest.raises(ConflictError, match="no category for 'spam'") as unmapped:
        statement(record(category="spam"), profile)
    assert unmapped.value.field == "category"
    fallback = DsaProfile.parse(
        {**PROFILE, "default_category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"}
    )
    assert statement(record(category="spam"), fallback)["category"] == (
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    )


def test_profile_overrides_and_round_trip() -> None:
    doc = {
        **PROFILE,
        "visibility": {"block": "DECISION_VISIBILITY_CONTENT_DISABLED"},
        "decision_ground_reference_url": "https://example.invalid/tos",
    }
    profile = DsaProfile.parse(doc)
    out = statement(record(), profile)
    assert out["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert out["decision_ground_reference_url"] == "https://example.invalid/tos"
    assert DsaProfile.parse(profile.to_document()) == profile
    assert statement(record(ground=""), profile)["incompatible_content_ground"] == "policy eu"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "ombuds.dsa/2"}, "format"),
        ({"categories": {"scam": "SCAMS"}}, "categories.scam"),
        ({"categories": ["scam"]}, "categories"),
        ({"policy_categories": {"kids": {"x": "nope"}}}, "policy_categories.kids.x"),
        ({"territorial_scope": []}, "territorial_scope"),
        ({"territorial_scope": ["DE", "US"]}, "territorial_scope[1]"),
        ({"default_category": "Other"}, "default_category"),
        ({"visibility": {"allow": "DECISION_VISIBILITY_CONTENT_REMOVED"}}, "visibility.allow"),
        ({"visibility": {"block": "DECISION_VISIBILITY_OTHER"}}, "visibility.block"),
        ({"decision_ground_reference_url": "ftp://x"}, "decision_ground_reference_url"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_profiles_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as bad:
        DsaProfile.parse({**PROFILE, **change})
    assert bad.value.field == field


def test_validate_catches_what_the_database_would_refuse() -> None:
    good = statement(record(), DsaProfile.parse(PROFILE))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"category": "STATEMENT_CATEGORY_SPAM"}, "category"),
        ({"decision_visibility": []}, "decision_visibility"),
        ({"decision_visibility": ["REMOVED"]}, "decision_visibility"),
        ({"territorial_scope": ["XX"]}, "territorial_scope"),
        ({"content_date": "1999-12-31"}, "content_date"),
        ({"application_date": "2026-13-01"}, "application_date"),
        ({"automated_decision": "Yes"}, "automated_decision"),
        ({"puid": "has space"}, "puid"),
        ({"decision_facts": "x" * 5_001}, "decision_facts"),
        ({"incompatible_content_ground": ""}, "incompatible_content_ground"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other"),
        ({"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}, "illegal_content_legal_ground"),
        ({"source_type": None}, "source_type"),
    ]
    for change, field in cases:
        problems = V.validate({**good, **change})
        assert field in [f for f, _p in problems], (change, problems)
