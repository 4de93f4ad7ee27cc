"""Engine-level settings: SQLite's WAL, busy timeout, foreign keys and short write lock;
PostgreSQL's pooled connections tested when idle; transactions begun at the first write.

SQLite lets one connection write at a time. A request first reads (the user, the attempt,
the item) outside any transaction, which never blocks anyone; its first statement that is
not a plain read takes the write lock with ``BEGIN IMMEDIATE``, held only for the writes and
the commit. Upgrading a read transaction in place would fail at once with "database is
locked" whenever another connection had committed meanwhile, and holding the lock for the
whole request (an earlier design) ran every POST of every worker one at a time. Each read
therefore sees the latest committed data, exactly as PostgreSQL's READ COMMITTED does (where
reads also run before the transaction begins: install_lazy_begin); code that must read and
write one row atomically calls :func:`begin_write` first (and locks the row on PostgreSQL).
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from quizapp.extensions import db

# connection.info key: "deferred" (reading, no lock) or "immediate" (holds the write lock).
_TRANSACTION = "quizapp_sqlite_transaction"


log = logging.getLogger(__name__)


def install_session_teardown(app: Flask) -> None:
    """End each request's session without letting a dead connection escape the app.

    Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order). When the
    database restarted under a request, the final rollback fails; SQLAlchemy has already
    invalidated that connection, so the error is logged and the session dropped, and the
    learner gets quizapp's response instead of the server's bare 500."""

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa.exc.DBAPIError as exc:
            log.warning("discarding a session whose connection failed: %s", exc.orig)
            db.session.registry.clear()


def _engine_to_set_up(app: Flask, scheme: str, flag: str) -> sa.Engine | None:
    """The app's engine if its URL has this scheme and ``flag`` was not set up on it yet
    (several apps, in tests, may share one engine)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith(scheme):
        return None
    with app.app_context():
        engine = db.engine
    if getattr(engine, flag, False):
        return None
    setattr(engine, flag, True)
    return engine


# connection record info key: time.monotonic() when the connection went back to the pool
_IDLE_SINCE = "quizapp_idle_since"


def install_idle_ping(app: Flask) -> None:
    """PostgreSQL: test a pooled connection before use if it sat idle in the pool for
    ``DB_PING_AFTER_IDLE`` seconds or more, and replace it if the test fails.

    A database restart or failover kills every pooled connection. Each of them was idle for
    at least as long as the server was down, so testing only idle ones finds them all, and
    the connections a busy worker reuses many times a second are not tested at all
    (SQLAlchemy's ``pool_pre_ping`` costs a round trip on every request). A connection killed
    alone within a second of its last use (pg_terminate_backend) fails one request, which
    SQLAlchemy then discards."""
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return  # configured to test every checkout anyway
    engine = _engine_to_set_up(app, "postgresql", "_quizapp_idle_ping")
    if engine is None:
        return
    idle_limit = float(app.config["DB_PING_AFTER_IDLE"])
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _went_idle(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < idle_limit:
            return  # just opened, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out a fresh one.
            raise sa.exc.DisconnectionError(f"pooled connection is dead: {exc}") from exc


# connection record info key: True while reads run without a transaction (install_lazy_begin)
_LAZY_BEGIN = "quizapp_lazy_begin"
# What may run outside a transaction: a SELECT that locks nothing and changes nothing.
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_SELECT_WITH_EFFECTS = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b"
    r"|\b(?:nextval|setval|pg_advisory\w*|pg_notify|lo_\w+)\s*\(",
    re.IGNORECASE,
)


@lru_cache(maxsize=512)
def _needs_transaction(statement: str) -> bool:
    return _SELECT.match(statement) is None or _SELECT_WITH_EFFECTS.search(statement) is not None


def install_lazy_begin(app: Flask) -> None:
    """PostgreSQL: reads run without BEGIN; a request's transaction starts at its first write.

    psycopg sends BEGIN as a round trip of its own before a transaction's first statement,
    and a request that only read ends with a ROLLBACK: two of a flashcard page's six round
    trips. Under READ COMMITTED (PostgreSQL's default) every statement reads a snapshot of
    its own, even inside a transaction, and a plain SELECT holds no lock after it ends, so a
    read outside a transaction sees what it would have seen inside one. The first statement
    that is not a plain read (a write, a locking read, a savepoint, DDL) turns psycopg's
    autocommit off, so psycopg sends BEGIN before it, and everything from there to the
    commit or rollback is one transaction, as before. Each checkout starts lazy again."""
    engine = _engine_to_set_up(app, "postgresql", "_quizapp_lazy_begin")
    if engine is None:
        return

    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkout")
    def _read_without_begin(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            dbapi_connection.autocommit = True  # idle: the pool rolled back at checkin
        except dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"pooled connection is unusable: {exc}") from exc
        record.info[_LAZY_BEGIN] = True

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _begin_before_writing(
        connection: sa.Connection, cursor: Any, statement: str, *_args: Any
    ) -> None:
        dbapi_connection = cursor.connection
        if not dbapi_connection.autocommit or not _needs_transaction(statement):
            return
        info = connection.connection.info
        if info.get(_LAZY_BEGIN) and "isolation_level" not in connection.get_execution_options():
            dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement
            info[_LAZY_BEGIN] = False


def install_sqlite_pragmas(app: Flask) -> None:
    """Make every SQLite connection of this app use WAL and enforce foreign keys."""
    engine = _engine_to_set_up(app, "sqlite", "_quizapp_pragmas")
    if engine is None:
        return

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
        # No BEGIN yet: reads run in autocommit, each on the latest snapshot, as PostgreSQL's
        # reads do (install_lazy_begin). The first write begins the transaction.
        connection.info[_TRANSACTION] = "deferred"

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: sa.Connection, cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(_TRANSACTION) == "deferred" and _needs_transaction(statement):
            _take_write_lock(connection, cursor)


def _take_write_lock(connection: sa.Connection, cursor: Any) -> None:
    """Start the write transaction (waits for the lock)."""
    connection.info[_TRANSACTION] = None  # if BEGIN IMMEDIATE times out, nothing is open
    cursor.execute("BEGIN IMMEDIATE")
    connection.info[_TRANSACTION] = "immediate"


def commit_before_redirect() -> None:
    """Commit for a request whose reply is a redirect: nothing reads the session's objects
    again, so they are not expired. (A commit expires every loaded object, so that later
    reads see other transactions' changes; for an answer's attempt, item and user that was
    4 % of the request's instructions, spent on objects about to be thrown away.)"""
    session = db.session()  # the request's Session itself, not its scoped proxy
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def begin_write(session: Session) -> None:
    """Hold SQLite's write lock from now on, so the rows read next cannot change before this
    transaction writes them (read-modify-write). Elsewhere a no-op: on PostgreSQL lock the
    rows themselves (``with_for_update``)."""
    connection = session.connection()
    if connection.info.get(_TRANSACTION) == "deferred":
        cursor = connection.connection.cursor()
        try:
            _take_write_lock(connection, cursor)
        finally:
            cursor.close()
