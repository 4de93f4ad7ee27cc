"""Insert a row exactly once, in one statement, on SQLite and PostgreSQL alike.

The hot writes of a learner (an answer, a card's first rating) must happen once even when a
double-click sends them twice at the same moment. The unique key decides: ``INSERT ... ON
CONFLICT (key) DO NOTHING RETURNING id`` stores the row or reports that it exists, without a
savepoint and without the ORM's unit of work (both cost statements and CPU on every request).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from quizapp.model_base import Base

ModelT = TypeVar("ModelT", bound=Base)

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(
    session: Session, model: type[ModelT], values: dict[str, Any], key: Sequence[str]
) -> ModelT | None:
    """Store a ``model`` row with ``values`` unless one with the same ``key`` columns exists.

    Returns the stored row as a persistent object (no SELECT: it is built from ``values``,
    so pass every column a caller will read), or None when the key was already taken.
    Other constraint violations raise IntegrityError as usual.
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model.id)  # type: ignore[attr-defined]
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is None:
        return None
    row = model(id=new_id, **values)
    make_transient_to_detached(row)
    session.add(row)
    return row
