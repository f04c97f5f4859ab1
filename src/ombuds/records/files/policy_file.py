"""Policies as JSON files (format `ombuds.policy/1`).

    {
      "format": "ombuds.policy/1",                  optional on read, always written
      "name": "eu-public",                          required, non-empty
      "description": "",                            optional
      "scope": "region == 'eu'",                    required: a scope expression
      "banks": ["CSAM_HASHES"],                     optional, distinct names
      "lexicons": ["spam-en"],                      optional, distinct names
      "actions": {"csam": "block", "spam": "label"},  optional: category -> action
      "default_action": "review",                   optional (default "review")
      "ground": "ToS §4.2",                         optional: cited in notices
      "enabled": true                               optional (default true)
    }

Actions are `block`, `review`, `label` or `allow`. Whether the named banks and lexicons
exist is checked when the policy is saved to a store, not when the file is read.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ombuds.domain import Action, Policy
from ombuds.domain.scope import Scope
from ombuds.errors import ScopeSyntaxError
from ombuds.records.files.jsondoc import JsonDoc
from ombuds.records.files.text import read_text, text_problem, write_text_atomic

POLICY_FORMAT = "ombuds.policy/1"
_ACTIONS = [a.value for a in sorted(Action, key=lambda a: -a.severity)]


def parse_policy_json(text: str, *, file: str = "<policy>") -> Policy:
    """A Policy from JSON text; ImportFileError with file, line and field on any problem."""
    root = JsonDoc(text, file).root()
    fields = root.members(
        required={"name", "scope"},
        optional={
            "format",
            "description",
            "banks",
            "lexicons",
            "actions",
            "default_action",
            "ground",
            "enabled",
            "dihedral",
            "confirm_bank",
        },
    )
    if "format" in fields:
        fields["format"].check_format(POLICY_FORMAT)
    name = fields["name"].name_string()
    scope_node = fields["scope"]
    try:
        scope = Scope.parse(scope_node.string(blank=False), field="scope")
    except ScopeSyntaxError as exc:
        raise scope_node.error(exc.message) from exc
    actions: dict[str, Action] = {}
    if "actions" in fields:
        actions_node = fields["actions"]
        if not isinstance(actions_node.value, dict):
            raise actions_node.error("expected an object mapping categories to actions")
        for category in actions_node.value:
            item = actions_node.child(category)
            if not category.strip() or text_problem(category):
                raise item.error("a category must be non-empty text", at_key=True)
            actions[category] = Action(item.choice(_ACTIONS))
    banks = tuple(fields["banks"].unique_names()) if "banks" in fields else ()
    return Policy(
        name=name,
        scope=scope,
        banks=banks,
        lexicons=tuple(fields["lexicons"].unique_names()) if "lexicons" in fields else (),
        actions=actions,
        default_action=(
            Action(fields["default_action"].choice(_ACTIONS))
            if "default_action" in fields
            else Action.REVIEW
        ),
        ground=fields["ground"].string() if "ground" in fields else "",
        description=fields["description"].string() if "description" in fields else "",
        enabled=fields["enabled"].boolean() if "enabled" in fields else True,
        dihedral=fields["dihedral"].boolean() if "dihedral" in fields else False,
        confirm_bank=_confirm_bank(fields, banks),
    )


def _confirm_bank(fields: dict[str, Any], banks: tuple[str, ...]) -> str:
    if "confirm_bank" not in fields:
        return ""
    node = fields["confirm_bank"]
    name = str(node.string())
    if name and name not in banks:
        raise node.error(f"'{name}' is not one of the policy's banks")
    return name


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    return {
        "format": POLICY_FORMAT,
        "name": policy.name,
        "description": policy.description,
        "scope": policy.scope.source,
        "banks": list(policy.banks),
        "lexicons": list(policy.lexicons),
        "actions": {category: action.value for category, action in policy.actions.items()},
        "default_action": policy.default_action.value,
        "ground": policy.ground,
        "enabled": policy.enabled,
        "dihedral": policy.dihedral,
        "confirm_bank": policy.confirm_bank,
    }


def dump_policy_json(policy: Policy) -> str:
    return json.dumps(policy_to_dict(policy), indent=2, ensure_ascii=False) + "\n"


def read_policy_file(path: str | os.PathLike[str]) -> Policy:
    return parse_policy_json(read_text(path), file=str(path))


def write_policy_file(policy: Policy, path: str | os.PathLike[str]) -> None:
    write_text_atomic(path, dump_policy_json(policy))
