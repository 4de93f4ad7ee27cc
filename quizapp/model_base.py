"""Declarative base, naming convention and column types shared by every model.

Kept outside ``quizapp.models`` so extensions.py can import it without importing the models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, registry

# Named constraints keep Alembic's SQLite batch migrations able to drop and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (FSRS refuses naive ones)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Store datetimes in UTC and always hand back aware UTC datetimes.

    SQLite keeps no time zone, PostgreSQL does; this makes both behave the same.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def index_where_set(name: str, column: str, *, unique: bool = False) -> sa.Index:
    """An index of the rows whose ``column`` is not NULL: for a column most rows leave
    empty, so the writes of those rows do not pay for it. A query that compares the
    column with ``=`` (a foreign key's ON DELETE lookup, say) still uses it."""
    not_null = sa.text(f"{column} IS NOT NULL")
    return sa.Index(name, column, unique=unique, sqlite_where=not_null, postgresql_where=not_null)


class Base(DeclarativeBase):
    """Base class of all models."""

    # Set on the registry, not the class: Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
