"""Migrations are the only way the schema is made, and they match the models."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Item, StudySet, User

from support import database_url, reset_postgres


@contextmanager
def migrated(tmp_path, backend):
    """An app whose database ``flask db upgrade`` just made (PostgreSQL emptied around it)."""
    url = database_url(tmp_path, backend)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        yield app
        db.engine.dispose()
    if backend == "postgresql":
        reset_postgres(url)  # leave an empty database for the next test


def test_upgrade_creates_the_schema_and_models_match(tmp_path, backend):
    with migrated(tmp_path, backend):
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {
            "user",
            "study_set",
            "item",
            "attempt",
            "response",
            "card_state",
            "review_log",
            "source",
            "source_section",
        } <= tables
        check()  # raises if autogenerate would produce a new migration
        indexes = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("card_state")}
        assert "ix_card_state_user_due" in indexes


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite'}",
        }
    )
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def _leading_columns(inspector: sa.Inspector, table: str) -> list[tuple[str, ...]]:
    """The column lists of every index, unique constraint and primary key of ``table``."""
    keys = [tuple(ix["column_names"]) for ix in inspector.get_indexes(table)]
    keys += [tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
    keys.append(tuple(inspector.get_pk_constraint(table)["constrained_columns"]))
    return keys


def test_every_foreign_key_leads_an_index(tmp_path, backend):
    """Deleting a set, item or user finds the rows that refer to it through an index: without
    one, each deletion scans the referring table (the review log, at scale) while holding
    SQLite's write lock or PostgreSQL's row locks."""
    unindexed = []
    with migrated(tmp_path, backend):
        inspector = sa.inspect(db.engine)
        for table in inspector.get_table_names():
            keys = _leading_columns(inspector, table)
            for fk in inspector.get_foreign_keys(table):
                columns = tuple(fk["constrained_columns"])
                if not any(key[: len(columns)] == columns for key in keys):
                    unindexed.append(f"{table}.{','.join(columns)} -> {fk['referred_table']}")
    assert unindexed == []


def test_keyed_review_index_survives_a_downgrade_and_upgrade(tmp_path):
    """The migration that made review_log's idempotency key a partial unique index rebuilds
    the table on SQLite: its rows survive both ways, and a key is still unique after."""
    insert_log = sa.text(
        "INSERT INTO review_log (card_state_id, user_id, item_id, rating, reviewed_at, cram, "
        "state_before, state_after, idempotency_key) VALUES (NULL, :user_id, :item_id, 3, "
        "'2026-12-07 10:00:00.000000', 0, '{}', '{}', :key)"
    )
    with migrated(tmp_path, "sqlite"):
        learner = User(username="ann")
        study_set = StudySet(title="S")
        db.session.add_all([learner, study_set])
        db.session.flush()
        item = Item(set_id=study_set.id, uid="u1", type="flashcard", prompt="Q")
        db.session.add(item)
        db.session.commit()
        ids = {"user_id": learner.id, "item_id": item.id}
        db.session.remove()
        with db.engine.begin() as conn:
            for key in ("1:api-a", None, None):
                conn.execute(insert_log, {**ids, "key": key})
        downgrade(revision="b31b92d78c5a")
        upgrade()
        with db.engine.begin() as conn:
            keys = (
                conn.exec_driver_sql("SELECT idempotency_key FROM review_log ORDER BY id")
                .scalars()
                .all()
            )
            conn.execute(insert_log, {**ids, "key": None})  # keyless rows never collide
        assert keys == ["1:api-a", None, None]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(insert_log, {**ids, "key": "1:api-a"})
