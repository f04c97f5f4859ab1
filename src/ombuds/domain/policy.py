"""Policy: a scope, the banks and lexicons it uses, and the action per category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ombuds.domain.decision import Action
from ombuds.domain.scope import Scope


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    scope: Scope
    banks: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()
    actions: Mapping[str, Action] = field(default_factory=dict)
    # Action for a matched category that `actions` does not name.
    default_action: Action = Action.REVIEW
    # The terms-of-service clause (or law) a notice cites as the ground for restriction.
    ground: str = ""
    description: str = ""
    enabled: bool = True
    # Match images against banked ones in all 8 rotations and mirror images (PDQ dihedral).
    dihedral: bool = False
    # Where this policy banks what it confirms by itself: the signals of content its
    # deferred tier blocked go here, so the next exact copy is caught inline.
    confirm_bank: str = ""
    # `lexicons` as a set, made once: the engine filters every message's matches by it.
    lexicon_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", MappingProxyType(dict(self.actions)))
        object.__setattr__(self, "lexicon_names", frozenset(self.lexicons))
        if self.confirm_bank and self.confirm_bank not in self.banks:
            raise ValueError(
                f"confirm_bank '{self.confirm_bank}' must be one of the policy's banks"
            )

    def action_for(self, category: str) -> Action:
        return self.actions.get(category, self.default_action)
