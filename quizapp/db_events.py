"""Engine-level settings for SQLite: WAL, busy timeout, foreign keys, immediate writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from quizapp.extensions import db

# GET pages that may write (they finish an attempt whose time is up or whose last question
# was answered): they take the write lock up front too, or upgrading a read transaction
# under load fails at once with "database is locked".
WRITING_GETS = frozenset({"study.attempt", "study.result", "embed.attempt", "embed.result"})


def install_sqlite_pragmas(app: Flask) -> None:
    """Make every SQLite connection of this app use WAL and enforce foreign keys."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    if getattr(engine, "_quizapp_pragmas", False):
        return
    engine._quizapp_pragmas = True  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if ":memory:" not in str(engine.url) and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: read-then-write transactions
        # (record an answer, review a card) then wait their turn instead of failing with
        # "database is locked" when two try to upgrade a read lock at once. Pages that only
        # read (GET) keep a deferred begin so they never queue behind writers.
        if (
            has_request_context()
            and request.method in ("GET", "HEAD", "OPTIONS")
            and request.endpoint not in WRITING_GETS
        ):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
