"""Policies."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ombuds.domain import Action, Policy
from ombuds.domain.scope import Scope
from ombuds.errors import ConflictError, NotFoundError
from ombuds.records.ledger import Kind, append
from ombuds.records.repos.common import Sessions
from ombuds.records.schema import BankRow, LexiconRow, PolicyRow
from ombuds.records.types import utcnow


def _policy(row: PolicyRow) -> Policy:
    return Policy(
        name=row.name,
        scope=Scope.parse(row.scope, field="scope"),
        banks=tuple(row.banks),
        lexicons=tuple(row.lexicons),
        actions={category: Action(action) for category, action in row.actions.items()},
        default_action=Action(row.default_action),
        ground=row.ground,
        description=row.description,
        enabled=row.enabled,
        dihedral=row.dihedral,
        confirm_bank=row.confirm_bank,
    )


def _check_references(s: Session, policy: Policy) -> None:
    for field, table, names in (
        ("banks", BankRow, policy.banks),
        ("lexicons", LexiconRow, policy.lexicons),
    ):
        if not names:
            continue
        known = set(s.scalars(select(table.name).where(table.name.in_(list(names)))))
        missing = [name for name in names if name not in known]
        if missing:
            kind = field[:-1]
            raise NotFoundError(
                f"policy '{policy.name}' names unknown {kind}(s): {', '.join(missing)}",
                field=field,
            )


class PolicyRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def save_policy(self, policy: Policy, *, actor: str, replace: bool = False) -> None:
        with self._sessions.begin() as s:
            row = s.scalars(select(PolicyRow).where(PolicyRow.name == policy.name)).first()
            if row is not None and not replace:
                raise ConflictError(f"a policy named '{policy.name}' exists", field="name")
            _check_references(s, policy)
            replaced = row is not None
            if row is None:
                row = PolicyRow(name=policy.name)
                s.add(row)
            row.scope = policy.scope.source
            row.banks = list(policy.banks)
            row.lexicons = list(policy.lexicons)
            row.actions = {category: action.value for category, action in policy.actions.items()}
            row.default_action = policy.default_action.value
            row.ground = policy.ground
            row.description = policy.description
            row.enabled = policy.enabled
            row.dihedral = policy.dihedral
            row.confirm_bank = policy.confirm_bank
            row.updated_at = utcnow()
            details = {
                "replaced": replaced,
                "scope": row.scope,
                "banks": row.banks,
                "lexicons": row.lexicons,
                "actions": row.actions,
                "default_action": row.default_action,
                "enabled": row.enabled,
                "confirm_bank": row.confirm_bank,
            }
            append(s, Kind.POLICY_SAVE, actor=actor, subject=policy.name, payload=details)

    def get_policy(self, name: str) -> Policy:
        with self._sessions() as s:
            row = s.scalars(select(PolicyRow).where(PolicyRow.name == name)).first()
            if row is None:
                raise NotFoundError(f"no policy named '{name}'", field="policy")
            return _policy(row)

    def list_policies(self) -> list[Policy]:
        with self._sessions() as s:
            return [_policy(row) for row in s.scalars(select(PolicyRow).order_by(PolicyRow.name))]

    def delete_policy(self, name: str, *, actor: str) -> None:
        with self._sessions.begin() as s:
            result = s.execute(delete(PolicyRow).where(PolicyRow.name == name))
            if getattr(result, "rowcount", 0) == 0:
                raise NotFoundError(f"no policy named '{name}'", field="policy")
            append(s, Kind.POLICY_DELETE, actor=actor, subject=name)
