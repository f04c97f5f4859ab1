"""Many rows into one table with the driver's executemany, the types' own conversions applied.

SQLAlchemy's executemany builds a parameter dict per row and runs every bind processor
through its compiled-statement machinery: for decisions (four JSON columns, a timestamp)
that was ~16 µs a row, more than the database's own insert. Here the statement is compiled
once per dialect, table and column list, each column's bind processor (the same functions
SQLAlchemy would call, so stored values are identical) is looked up once, and rows go to
the driver as plain lists or dicts through `exec_driver_sql`, inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, FromClause, Table, insert


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: bool
    order: tuple[int, ...] | None  # positions in a row, in the statement's order; None: same
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position in a row, processor)


@cache
def _plan(table: Table, dialect: Dialect, names: tuple[str, ...]) -> _Plan:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    bound = tuple(compiled.positiontup or ()) if compiled.positional else names
    if set(bound) != set(names):  # a column with a Python-side default, say: not for here
        raise ValueError(f"insert into {table.name} binds {sorted(bound)}, rows hold {names}")
    order = tuple(names.index(n) for n in bound)
    processors = tuple(
        (i, _memoized(p))
        for i, n in enumerate(names)
        if (p := table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    same = order == tuple(range(len(names)))
    return _Plan(str(compiled), compiled.positional, None if same else order, processors)


_UNSET = object()
# Values that cannot change after they were processed, so the last one may be remembered.
_IMMUTABLE = frozenset({str, int, float, bool, datetime, type(None)})


def _memoized(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, answering at once for empty lists and dicts (most decisions' JSON columns)
    and for the immutable value it processed last (a batch's rows share one time)."""
    empty_list, empty_dict = _constant(process, []), _constant(process, {})
    last: list[tuple[Any, Any]] = [(_UNSET, None)]  # swapped whole: safe between threads

    def run(value: Any) -> Any:
        kind = type(value)
        if kind is list or kind is dict:
            if not value:
                done = empty_list if kind is list else empty_dict
                return process(value) if done is _UNSET else done
            return process(value)
        seen, result = last[0]
        if value is seen:
            return result
        result = process(value)
        if kind in _IMMUTABLE:
            last[0] = (value, result)
        return result

    return run


def _constant(process: Callable[[Any], Any], value: Any) -> Any:
    try:
        return process(value)
    except (TypeError, ValueError, AttributeError):  # not a value this column takes
        return _UNSET


def insert_rows(
    connection: Connection,
    table: FromClause,
    names: tuple[str, ...],
    rows: Sequence[list[Any]],
) -> None:
    """INSERT every row (its values in `names` order) into `table` (a model's `__table__`).

    Each row's list is converted in place, every value by its column's bind processor.
    """
    if not rows:
        return
    assert isinstance(table, Table)
    plan = _plan(table, connection.dialect, names)
    for row in rows:
        for i, process in plan.processors:
            row[i] = process(row[i])
    params: Sequence[Any]
    if not plan.positional:
        params = [dict(zip(names, row, strict=True)) for row in rows]
    elif plan.order is None:
        params = [tuple(row) for row in rows]  # SQLAlchemy passes on tuples, not lists
    else:
        params = [tuple(row[i] for i in plan.order) for row in rows]
    connection.exec_driver_sql(plan.sql, params)
