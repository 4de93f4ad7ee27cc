"""Migrations are the only way the schema is made, and they match the models."""

import sqlalchemy as sa
from flask_migrate import check, upgrade

from quizapp import create_app
from quizapp.extensions import db

from support import database_url, reset_postgres


def test_upgrade_creates_the_schema_and_models_match(tmp_path, backend):
    url = database_url(tmp_path, backend)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
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
        db.engine.dispose()
    if backend == "postgresql":
        reset_postgres(url)  # leave an empty database for the next test


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
