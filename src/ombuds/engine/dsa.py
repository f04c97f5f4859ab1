"""Notices as statements of reasons in the EU DSA Transparency Database's format.

What Ombuds cannot know by itself comes from the operator's **DSA profile** (a JSON
document, stored in the database): which Transparency Database `category` each Ombuds
category is, per policy if needed, and the decision's territorial scope. A notice whose
category the profile does not map is not exported with a guess: it is an error naming the
category. Statements are checked against `dsa_values` before they leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ombuds.domain import Action
from ombuds.domain.appeal import NoticeRecord
from ombuds.engine import dsa_values as V
from ombuds.errors import ConflictError, InputError
from ombuds.records import Store

PROFILE_FORMAT = "ombuds.dsa/1"
# What each restricting action is, in the database's terms; a profile may say otherwise.
VISIBILITY = {
    Action.BLOCK: "DECISION_VISIBILITY_CONTENT_REMOVED",
    Action.REVIEW: "DECISION_VISIBILITY_CONTENT_DISABLED",  # held back until reviewed
    Action.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED",
}
CONTENT_TYPE = {"text": "CONTENT_TYPE_TEXT", "image": "CONTENT_TYPE_IMAGE"}
_KEYS = frozenset(
    {"format", "categories", "policy_categories", "default_category", "territorial_scope"}
    | {"visibility", "decision_ground_reference_url"}
)


def _category(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in V.CATEGORY:
        raise InputError(f"{value!r} is not a DSA statement category", field=where)
    return value


def _mapping(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError("must be an object of category to DSA category", field=where)
    return {str(k): _category(v, f"{where}.{k}") for k, v in value.items()}


def _territories(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InputError("name at least one EU/EEA country code", field="territorial_scope")
    for i, code in enumerate(value):
        if code not in V.TERRITORIAL_SCOPE:
            raise InputError(f"{code!r} is not an EU/EEA country", field=f"territorial_scope[{i}]")
    return tuple(dict.fromkeys(value))


def _visibility(value: object) -> dict[Action, str]:
    if not isinstance(value, dict):
        raise InputError("must be an object of action to decision_visibility", field="visibility")
    out = dict(VISIBILITY)
    for key, vis in value.items():
        if key not in ("block", "review", "label"):
            raise InputError("only block, review and label restrict", field=f"visibility.{key}")
        if vis not in V.DECISION_VISIBILITY or vis == "DECISION_VISIBILITY_OTHER":
            raise InputError(f"{vis!r} is not usable here", field=f"visibility.{key}")
        out[Action(key)] = vis
    return out


@dataclass(frozen=True)
class DsaProfile:
    territorial_scope: tuple[str, ...]
    categories: Mapping[str, str] = field(default_factory=dict)
    policy_categories: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    default_category: str | None = None  # the operator's explicit fallback, if any
    visibility: Mapping[Action, str] = field(default_factory=lambda: dict(VISIBILITY))
    decision_ground_reference_url: str = ""

    @classmethod
    def parse(cls, document: object) -> DsaProfile:
        """A profile from its JSON document; InputError naming the first bad field."""
        if not isinstance(document, dict):
            raise InputError("a DSA profile is a JSON object", field="$")
        if document.get("format") != PROFILE_FORMAT:
            raise InputError(f"format must be {PROFILE_FORMAT!r}", field="format")
        unknown = sorted(set(document) - _KEYS)
        if unknown:
            raise InputError("unknown field", field=unknown[0])
        per_policy = document.get("policy_categories", {})
        if not isinstance(per_policy, dict):
            raise InputError("must be an object of policy to mapping", field="policy_categories")
        default = document.get("default_category")
        url = document.get("decision_ground_reference_url", "")
        if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
            raise InputError("must be an http(s) URL", field="decision_ground_reference_url")
        return cls(
            territorial_scope=_territories(document.get("territorial_scope")),
            categories=_mapping(document.get("categories", {}), "categories"),
            policy_categories={
                str(p): _mapping(m, f"policy_categories.{p}") for p, m in per_policy.items()
            },
            default_category=None if default is None else _category(default, "default_category"),
            visibility=_visibility(document.get("visibility", {})),
            decision_ground_reference_url=url,
        )

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format": PROFILE_FORMAT,
            "categories": dict(self.categories),
            "policy_categories": {p: dict(m) for p, m in self.policy_categories.items()},
            "default_category": self.default_category,
            "territorial_scope": list(self.territorial_scope),
            "visibility": {a.value: v for a, v in self.visibility.items()},
        }
        if self.decision_ground_reference_url:
            doc["decision_ground_reference_url"] = self.decision_ground_reference_url
        return doc

    def category_for(self, policy: str, category: str) -> str:
        """The DSA category of an Ombuds category under a policy; ConflictError if the
        profile maps neither it nor a default."""
        found = self.policy_categories.get(policy, {}).get(category)
        found = found or self.categories.get(category) or self.default_category
        if found is None:
            raise ConflictError(
                f"the DSA profile maps no category for '{category}' (policy '{policy}'): "
                "add it to `categories` or set `default_category`",
                field="category",
            )
        return found


def _explanation(record: NoticeRecord) -> str:
    notice = record.notice
    matched = ", ".join(notice.matched) or "none listed"
    text = (
        f"The content falls in category '{notice.category}' of policy '{notice.policy}': "
        f"it matched {matched} (public ids of the rules or bank entries)."
    )
    return text[: V.LIMITS["incompatible_content_explanation"]]


def _facts(record: NoticeRecord) -> str:
    notice = record.notice
    detected = "automatically" if notice.automated_detection else "by a person"
    text = (
        f"{record.content_kind.capitalize()} content was detected {detected} by matching "
        f"{len(notice.matched)} rule(s) or bank entr(ies) of policy '{notice.policy}' "
        f"(category '{notice.category}'); action: {notice.action.value}."
    )
    if record.human_deciders:
        text += " A moderator reviewed and confirmed the decision."
    return text[: V.LIMITS["decision_facts"]]


def _automated_decision(record: NoticeRecord) -> str:
    if record.human_deciders:
        return "AUTOMATED_DECISION_PARTIALLY"  # flagged by the engine, decided by a person
    if record.notice.automated_decision:
        return "AUTOMATED_DECISION_FULLY"
    return "AUTOMATED_DECISION_NOT_AUTOMATED"


def statement(record: NoticeRecord, profile: DsaProfile) -> dict[str, Any]:
    """The statement of reasons for a notice; ConflictError if it cannot be made valid."""
    notice = record.notice
    if notice.action not in profile.visibility:
        raise ConflictError(f"action {notice.action.value} restricts nothing", field="action")
    kind = CONTENT_TYPE.get(record.content_kind, "CONTENT_TYPE_OTHER")
    out: dict[str, Any] = {
        "decision_visibility": [profile.visibility[notice.action]],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": (notice.ground or f"policy {notice.policy}")[:500],
        "incompatible_content_explanation": _explanation(record),
        "content_type": [kind],
        "category": profile.category_for(notice.policy, notice.category),
        "territorial_scope": list(profile.territorial_scope),
        "content_date": record.decision_created_at.date().isoformat(),
        "application_date": notice.created_at.date().isoformat(),
        "decision_facts": _facts(record),
        # Ombuds acts on the platform's own policies: no notice from a user, flagger or
        # authority starts a decision.
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes" if notice.automated_detection else "No",
        "automated_decision": _automated_decision(record),
        "puid": notice.notice_id,
    }
    if kind == "CONTENT_TYPE_OTHER":
        out["content_type_other"] = f"{record.content_kind or 'file'} shared in a conversation"
    if profile.decision_ground_reference_url:
        out["decision_ground_reference_url"] = profile.decision_ground_reference_url
    problems = V.validate(out)
    if problems:
        where, problem = problems[0]
        raise ConflictError(f"the statement would be refused: {where} {problem}", field=where)
    return out


def load_profile(store: Store) -> DsaProfile:
    """The stored profile; ConflictError if none was imported yet."""
    document = store.notices.get_profile()
    if document is None:
        raise ConflictError(
            "no DSA profile yet: import one with `ombuds notices dsa-profile import FILE`",
            field="dsa_profile",
        )
    return DsaProfile.parse(document)


def save_profile(store: Store, document: object, *, actor: str) -> DsaProfile:
    """Validate and store (replacing) the profile; InputError naming the bad field."""
    profile = DsaProfile.parse(document)
    store.notices.save_profile(profile.to_document(), actor=actor)
    return profile
