"""The EU DSA Transparency Database's statement-of-reasons fields: allowed values and limits.

Taken from the database's API documentation ("API and Schema",
https://transparency.dsa.ec.europa.eu/page/api-documentation) and the constants of its
source (github.com/digital-services-act/transparency-database, `app/Models/Statement.php`,
`resources/docs/api-documentation.md`), in the version whose categories include
`STATEMENT_CATEGORY_CYBER_VIOLENCE` (the 2025 taxonomy). `validate` checks a statement
against them, so an export the database would refuse is caught here first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

DECISION_VISIBILITY = frozenset(
    {
        "DECISION_VISIBILITY_CONTENT_REMOVED",
        "DECISION_VISIBILITY_CONTENT_DISABLED",
        "DECISION_VISIBILITY_CONTENT_DEMOTED",
        "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_LABELLED",
        "DECISION_VISIBILITY_OTHER",
    }
)
DECISION_GROUND = frozenset(
    {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
)
CATEGORY = frozenset(
    {
        "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "STATEMENT_CATEGORY_SELF_HARM",
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "STATEMENT_CATEGORY_VIOLENCE",
    }
)
CONTENT_TYPE = frozenset(
    {
        "CONTENT_TYPE_APP",
        "CONTENT_TYPE_AUDIO",
        "CONTENT_TYPE_IMAGE",
        "CONTENT_TYPE_PRODUCT",
        "CONTENT_TYPE_SYNTHETIC_MEDIA",
        "CONTENT_TYPE_TEXT",
        "CONTENT_TYPE_VIDEO",
        "CONTENT_TYPE_OTHER",
    }
)
SOURCE_TYPE = frozenset(
    {
        "SOURCE_ARTICLE_16",
        "SOURCE_TRUSTED_FLAGGER",
        "SOURCE_TYPE_OTHER_NOTIFICATION",
        "SOURCE_VOLUNTARY",
    }
)
AUTOMATED_DETECTION = frozenset({"Yes", "No"})
AUTOMATED_DECISION = frozenset(
    {
        "AUTOMATED_DECISION_FULLY",
        "AUTOMATED_DECISION_PARTIALLY",
        "AUTOMATED_DECISION_NOT_AUTOMATED",
    }
)
# EU member states, then the rest of the EEA.
_COUNTRIES = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO"
)
TERRITORIAL_SCOPE = frozenset(_COUNTRIES.split())
# Characters at most, for the free-text fields.
LIMITS = {
    "decision_visibility_other": 500,
    "decision_facts": 5_000,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2_000,
    "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2_000,
    "content_type_other": 500,
    "puid": 500,
}
PUID = re.compile(r"[A-Za-z0-9_-]{1,500}")
REQUIRED = (
    "decision_ground",
    "content_type",
    "category",
    "territorial_scope",
    "content_date",
    "application_date",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
    "puid",
)
_ONE_OF = {
    "decision_ground": DECISION_GROUND,
    "category": CATEGORY,
    "source_type": SOURCE_TYPE,
    "automated_detection": AUTOMATED_DETECTION,
    "automated_decision": AUTOMATED_DECISION,
}
_LISTS = {
    "decision_visibility": DECISION_VISIBILITY,
    "content_type": CONTENT_TYPE,
    "territorial_scope": TERRITORIAL_SCOPE,
}
# Fields required when another field has a value: (field, value) -> required fields.
_CONDITIONAL = {
    ("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"): (
        "illegal_content_legal_ground",
        "illegal_content_explanation",
    ),
    ("decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT"): (
        "incompatible_content_ground",
        "incompatible_content_explanation",
    ),
    ("decision_visibility", "DECISION_VISIBILITY_OTHER"): ("decision_visibility_other",),
    ("content_type", "CONTENT_TYPE_OTHER"): ("content_type_other",),
}
_RESTRICTIONS = (
    "decision_visibility",
    "decision_monetary",
    "decision_provision",
    "decision_account",
)
_DATES = {"content_date": date(2000, 1, 1), "application_date": date(2020, 1, 1)}


def _has(statement: Mapping[str, Any], field: str, value: str) -> bool:
    given = statement.get(field)
    return given == value or (isinstance(given, list) and value in given)


def _date_problem(value: object, earliest: date) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "must be a date as YYYY-MM-DD"
    try:
        when = date.fromisoformat(value)
    except ValueError:
        return "is not a calendar date"
    return f"must be on or after {earliest.isoformat()}" if when < earliest else None


def _value_problems(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for field, allowed in _ONE_OF.items():
        if field in statement and statement[field] not in allowed:
            problems.append((field, f"{statement[field]!r} is not an allowed value"))
    for field, allowed in _LISTS.items():
        value = statement.get(field)
        if field not in statement:
            continue
        if not isinstance(value, list) or not value:
            problems.append((field, "must be a non-empty array"))
            continue
        problems += [(field, f"{v!r} is not an allowed value") for v in value if v not in allowed]
    for field, limit in LIMITS.items():
        value = statement.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            problems.append((field, f"must be text of at most {limit} characters"))
    for field, earliest in _DATES.items():
        if field in statement and (problem := _date_problem(statement[field], earliest)):
            problems.append((field, problem))
    return problems


def validate(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for everything the Transparency Database would refuse; [] if none."""
    problems = [(f, "is required") for f in REQUIRED if statement.get(f) in (None, "", [])]
    if not any(statement.get(f) for f in _RESTRICTIONS):
        problems.append(("decision_visibility", "one restriction field is required"))
    for (field, value), needed in _CONDITIONAL.items():
        if _has(statement, field, value):
            problems += [(n, f"is required with {value}") for n in needed if not statement.get(n)]
    problems += _value_problems(statement)
    puid = statement.get("puid")
    if isinstance(puid, str) and not PUID.fullmatch(puid):
        problems.append(("puid", "only letters, digits, '-' and '_', at most 500"))
    return problems
