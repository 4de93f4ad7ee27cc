"""Insert a row exactly once, in one statement, on SQLite and PostgreSQL alike.

The hot writes of a learner (an answer, a card's first rating) must happen once even when a
double-click sends them twice at the same moment. The unique key decides: ``INSERT ... ON
CONFLICT (key) DO NOTHING RETURNING id`` stores the row or reports that it exists, without a
savepoint and without the ORM's unit of work (both cost statements and CPU on every request).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from quizapp.model_base import Base

ModelT = TypeVar("ModelT", bound=Base)

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@lru_cache(maxsize=32)
def _insert_statement(dialect: str, table: sa.Table, key: tuple[str, ...]) -> sa.Insert:
    # Built once per table: the values travel as parameters, so the compiled form is cached
    # too (a statement with inline values is a new cache key on every call).
    return (
        _INSERTS[dialect](table)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(table.c.id)
    )


def insert_once(
    session: Session, model: type[Base], values: dict[str, Any], key: Sequence[str]
) -> int | None:
    """Store a ``model`` row with ``values`` unless one with the same ``key`` columns exists.

    Returns the new row's id, or None when the key was already taken. No object is built:
    a caller that wants one builds it from ``values`` when it needs it (constructing a
    mapped object sets each attribute through the ORM's instrumentation, 4 % of an
    answer's instructions, for an object the page never reads). Other constraint
    violations raise IntegrityError as usual.
    """
    table = model.__table__
    statement = _insert_statement(session.get_bind().dialect.name, table, tuple(key))
    new_id: int | None = execute_core(session, statement, values).scalar_one_or_none()
    return new_id


@lru_cache(maxsize=32)
def _insert_returning_id(table: sa.Table) -> sa.Insert:
    return sa.insert(table).returning(table.c.id)


def insert_new(session: Session, model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """INSERT one row through the table and return it as a persistent object (no SELECT,
    so ``values`` must name every column a caller reads, the same ones on every call).

    The unit of work would do the same INSERT at twice the CPU (a quiz start spent a fifth
    of its time in the flush of its one new row). Unlike a flushed new object, the row is
    not expunged if a savepoint taken before it rolls back: do not use it after that.
    """
    new_id = execute_core(session, _insert_returning_id(model.__table__), values).scalar_one()
    row = model(id=new_id, **values)
    make_transient_to_detached(row)
    session.add(row)
    return row


@lru_cache(maxsize=32)
def _plain_insert(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


def insert_row(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT one row that nothing in this request reads back (a log line), through the
    table: no object, no unit-of-work flush. ``values`` must name the same columns on every
    call of a model, so the compiled statement is reused."""
    execute_core(session, _plain_insert(model.__table__), values)


def execute_core(
    session: Session, statement: sa.Executable, values: dict[str, Any]
) -> sa.CursorResult[Any]:
    """Run a Core statement on the session's connection: it needs none of the ORM's execute
    path (1-2 % of a rating's instructions). Pending changes are flushed first, as
    ``session.execute`` would, so the row may refer to objects added just before."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, values)
