"""Helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ombuds.errors import NotFoundError
from ombuds.records.schema import BankRow, LexiconRow, PolicyRow

Sessions = sessionmaker[Session]
T = TypeVar("T")

# Bounded IN lists: SQLite caps bound parameters per statement, and huge lists plan badly.
IN_CHUNK = 900


def chunked(items: Sequence[T] | Iterator[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def bank_row(session: Session, name: str) -> BankRow:
    row = session.scalars(select(BankRow).where(BankRow.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no bank named '{name}'", field="bank")
    return row


def lexicon_row(session: Session, name: str) -> LexiconRow:
    row = session.scalars(select(LexiconRow).where(LexiconRow.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no lexicon named '{name}'", field="lexicon")
    return row


def policies_naming(session: Session, column: str, name: str) -> list[str]:
    """Names of the policies whose `column` ("banks" or "lexicons") lists `name`.

    Policies are few and their lists short, so a scan in Python beats dialect-specific
    JSON operators here.
    """
    rows = session.execute(select(PolicyRow.name, getattr(PolicyRow, column))).all()
    return sorted(policy for policy, names in rows if name in names)
