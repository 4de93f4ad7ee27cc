"""Insert a row exactly once, in one statement, on SQLite and PostgreSQL alike.

The hot writes of a learner (an answer, a card's first rating) must happen once even when a
double-click sends them twice at the same moment. The unique key decides: ``INSERT ... ON
CONFLICT (key) DO NOTHING RETURNING id`` stores the row or reports that it exists, without a
savepoint and without the ORM's unit of work (both cost statements and CPU on every request).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    new_id: int | None = execute_dml(session, statement, values).scalar_one_or_none()
    return new_id


@lru_cache(maxsize=32)
def _upsert_statement(dialect: str, table: sa.Table, key: tuple[str, ...]) -> sa.Insert:
    statement = _INSERTS[dialect](table)
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={column.name: statement.excluded[column.name] for column in table.columns
              if column.name not in key},
    )  # fmt: skip


def upsert(session: Session, model: type[Base], values: dict[str, Any], key: Sequence[str]) -> None:
    """Store a ``model`` row with ``values``, or overwrite the other columns of the row with
    the same ``key`` columns (``INSERT ... ON CONFLICT (key) DO UPDATE``): one statement, no
    read first, on SQLite and PostgreSQL alike."""
    statement = _upsert_statement(session.get_bind().dialect.name, model.__table__, tuple(key))
    execute_core(session, statement, values)


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
    new_id = execute_dml(session, _insert_returning_id(model.__table__), values).scalar_one()
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
    execute_dml(session, _plain_insert(model.__table__), values)


def execute_core(
    session: Session, statement: sa.Executable, values: dict[str, Any]
) -> sa.CursorResult[Any]:
    """Run a Core statement on the session's connection: it needs none of the ORM's execute
    path (1-2 % of a rating's instructions). Pending changes are flushed first, as
    ``session.execute`` would, so the row may refer to objects added just before."""
    return _flushed_connection(session).execute(statement, values)


def _flushed_connection(session: Session) -> sa.Connection:
    if session.autoflush:
        session.flush()
    return session.connection()


# (SQL text, function from a values dict to the driver's parameters)
DriverStatement = tuple[str, Callable[[dict[str, Any]], Any]]


@lru_cache(maxsize=64)
def _driver_statement(
    dialect: sa.Dialect, statement: sa.Insert | sa.Update, keys: tuple[str, ...]
) -> DriverStatement | None:
    """``statement`` compiled once into the driver's SQL, with the bind processors of its
    parameters (what SQLAlchemy applies on every execute); None if it needs more than that."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if (
        compiled.insert_prefetch  # columns left to their Python-side defaults, which
        or compiled.update_prefetch  # SQLAlchemy's execution context computes per call
        or compiled.escaped_bind_names
        or compiled.literal_execute_params
        or compiled.post_compile_params
    ):
        return None
    if any(
        column.type._cached_result_processor(dialect, None) for column in compiled.returning or ()
    ):
        return None  # RETURNING values that need converting: let SQLAlchemy do it
    # Each parameter: its name, its converter, and whether its value is a constant bound by
    # the statement itself (such as the 1 of "reps + 1", converted here once) instead of
    # one of the caller's keys. Built into one comprehension per call: no call per value.
    sources: list[tuple[str, Any, bool, Any]] = []
    for name, bind in compiled.binds.items():
        constant = name not in keys
        if constant and (bind.required or bind.callable is not None):
            return None
        processor = bind.type._cached_bind_processor(dialect)
        if constant:
            value = processor(bind.value) if processor else bind.value
            sources.append((name, None, True, value))
        else:
            sources.append((name, processor, False, None))
    if compiled.positiontup is not None:
        by_name = {source[0]: source for source in sources}
        order = [by_name[name] for name in compiled.positiontup]

        def positional(values: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(
                [
                    value if constant else processor(values[name]) if processor else values[name]
                    for name, processor, constant, value in order
                ]
            )

        return compiled.string, positional

    def named(values: dict[str, Any]) -> dict[str, Any]:
        return {
            name: value if constant else processor(values[name]) if processor else values[name]
            for name, processor, constant, value in sources
        }

    return compiled.string, named


def execute_dml(
    session: Session, statement: sa.Insert | sa.Update, values: dict[str, Any]
) -> sa.CursorResult[Any]:
    """``execute_core`` for an INSERT or UPDATE that runs on every answer or rating: sent
    as the SQL compiled once, with the parameters converted as SQLAlchemy would (``values``
    must name the same keys on every call). The connection's events (the write lock) and
    error translation stay SQLAlchemy's; its per-call compile-cache lookup and parameter
    setup are skipped (for a first rating's two INSERTs, 2.7 % of its instructions)."""
    connection = _flushed_connection(session)
    driver = _driver_statement(connection.dialect, statement, tuple(values))
    if driver is None:
        return connection.execute(statement, values)
    sql, parameters = driver
    return connection.exec_driver_sql(sql, parameters(values))
