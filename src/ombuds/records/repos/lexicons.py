"""Lexicons and their rules."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.errors import ConflictError
from ombuds.records.ledger import Kind, append
from ombuds.records.repos.common import Sessions, lexicon_row, policies_naming
from ombuds.records.schema import LexiconRow, LexiconRuleRow
from ombuds.records.types import utcnow


def _rule(row: LexiconRuleRow) -> LexiconRule:
    return LexiconRule(
        rule_id=row.rule_id,
        kind=RuleKind(row.kind),
        category=row.category,
        terms=tuple(row.terms),
        pattern=row.pattern,
    )


def _load(s: Session, row: LexiconRow) -> Lexicon:
    rules = s.scalars(
        select(LexiconRuleRow)
        .where(LexiconRuleRow.lexicon_id == row.id)
        .order_by(LexiconRuleRow.position)
    )
    return Lexicon(
        name=row.name,
        rules=tuple(_rule(r) for r in rules),
        description=row.description,
        separator_insensitive=row.separator_insensitive,
    )


class LexiconRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    def save_lexicon(self, lexicon: Lexicon, *, actor: str, replace: bool = False) -> None:
        ids = [rule.rule_id for rule in lexicon.rules]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise ConflictError(f"rule id '{dup}' is used twice", field="rules")
        with self._sessions.begin() as s:
            row = s.scalars(select(LexiconRow).where(LexiconRow.name == lexicon.name)).first()
            replaced = row is not None
            if row is not None and not replace:
                raise ConflictError(f"a lexicon named '{lexicon.name}' exists", field="name")
            if row is None:
                row = LexiconRow(name=lexicon.name)
                s.add(row)
            row.description = lexicon.description
            row.separator_insensitive = lexicon.separator_insensitive
            row.updated_at = utcnow()
            s.flush()
            # Replacing swaps the whole rule set: rules are a document, not edited one by one.
            s.execute(delete(LexiconRuleRow).where(LexiconRuleRow.lexicon_id == row.id))
            if lexicon.rules:
                s.execute(
                    insert(LexiconRuleRow),
                    [
                        {
                            "lexicon_id": row.id,
                            "position": position,
                            "rule_id": rule.rule_id,
                            "kind": rule.kind.value,
                            "category": rule.category,
                            "terms": list(rule.terms),
                            "pattern": rule.pattern,
                        }
                        for position, rule in enumerate(lexicon.rules)
                    ],
                )
            details = {"replaced": replaced, "rules": len(lexicon.rules), "rule_ids": ids[:200]}
            append(s, Kind.LEXICON_SAVE, actor=actor, subject=lexicon.name, payload=details)

    def get_lexicon(self, name: str) -> Lexicon:
        with self._sessions() as s:
            return _load(s, lexicon_row(s, name))

    def list_lexicons(self) -> list[Lexicon]:
        with self._sessions() as s:
            rows = s.scalars(select(LexiconRow).order_by(LexiconRow.name)).all()
            return [_load(s, row) for row in rows]

    def delete_lexicon(self, name: str, *, actor: str) -> None:
        with self._sessions.begin() as s:
            row = lexicon_row(s, name)
            users = policies_naming(s, "lexicons", name)
            if users:
                raise ConflictError(
                    f"lexicon '{name}' is used by policies: {', '.join(users)}",
                    field="lexicons",
                )
            s.execute(delete(LexiconRow).where(LexiconRow.id == row.id))
            append(s, Kind.LEXICON_DELETE, actor=actor, subject=name)
