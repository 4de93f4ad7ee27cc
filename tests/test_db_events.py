"""SQLite transactions: reads never block, the write lock is taken at the first write."""

import sqlite3
import time

import pytest
import sqlalchemy as sa

from quizapp import create_app
from quizapp.db_events import begin_write, commit_before_redirect
from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts

from support import run_together


@pytest.fixture
def sqlite_app(tmp_path):
    path = tmp_path / "locks.sqlite"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    with app.app_context():
        db.create_all()
        accounts.create_guest()
        db.session.commit()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def other_writer(path) -> None:
    """Another process's write, refused at once (timeout 0) if someone holds the lock."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS other (x)")
        connection.execute("INSERT INTO other VALUES (1)")
    finally:
        connection.close()


def test_a_write_after_reads_succeeds_when_another_connection_committed_meanwhile(sqlite_app):
    app, path = sqlite_app
    with app.app_context():
        assert db.session.get(User, 1) is not None  # a read transaction is now open
        other_writer(path)  # commits while our read snapshot is older
        # Upgrading the old read transaction in place fails at once ("database is locked",
        # the busy timeout does not apply); the write lock is taken on a fresh one instead.
        accounts.create_guest()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_reads_hold_no_lock_and_begin_write_holds_it_until_commit(sqlite_app):
    app, path = sqlite_app
    with app.app_context():
        db.session.get(User, 1)
        other_writer(path)  # a reader does not stop writers
        begin_write(db.session)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_writer(path)
        db.session.commit()
        other_writer(path)


def test_concurrent_writers_wait_for_each_other_instead_of_failing(sqlite_app):
    app, _path = sqlite_app

    def writer() -> None:
        with app.app_context():
            for _ in range(5):
                db.session.get(User, 1)  # read first, then write: the request pattern
                accounts.create_guest()
                db.session.commit()

    run_together([writer] * 8)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 41


def test_a_connection_killed_during_a_request_still_gets_the_apps_response(app, backend):
    """A database restart kills connections mid-request: the final rollback fails, but the
    learner still receives the app's own response (not the server's bare 500)."""
    if backend != "postgresql":
        pytest.skip("terminating a server connection needs PostgreSQL")

    def killed() -> str:
        db.session.execute(sa.text("SELECT 1"))  # a transaction is open on this connection
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        return "done"

    app.add_url_rule("/_killed", view_func=killed)
    response = app.test_client().get("/_killed")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "done")
    with app.app_context():  # and the next request gets a working connection
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1


def _backend_pid() -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    """Kill a server process from outside the app's pool, as a restart or an admin would."""
    outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with outside.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    outside.dispose()


def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(app, backend):
    """The database restarted while the app was idle: the next request must not fail on the
    dead connection the pool kept, and the connections in constant use cost no test."""
    if backend != "postgresql":
        pytest.skip("terminating a server connection needs PostgreSQL")
    with app.app_context():
        dialect = db.engine.dialect
        pings = []
        real_ping = dialect.do_ping
        dialect.do_ping = lambda dbapi_connection: pings.append(1) or real_ping(dbapi_connection)
        try:
            db.session.remove()
            first = _backend_pid()
            assert [_backend_pid() for _ in range(5)] == [first] * 5  # the pool reuses it
            assert pings == []  # in use a moment ago: not tested
            _terminate(first)
            time.sleep(app.config["DB_PING_AFTER_IDLE"] + 0.1)
            replacement = _backend_pid()  # the test finds it dead; the pool opens another
            assert replacement != first and pings == [1]
            assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1
        finally:
            del dialect.do_ping


def _statement_time() -> object:
    """now() is the start of the transaction, or of the statement when there is none."""
    value = db.session.execute(sa.text("SELECT now()")).scalar_one()
    time.sleep(0.02)
    return value


def test_reads_run_without_a_transaction_until_the_first_write(app, backend):
    """PostgreSQL: no BEGIN round trip for reads; from the first write to the commit (or the
    rollback) everything is one transaction, as before."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's transactions are set up in install_sqlite_pragmas")
    with app.app_context():
        db.session.remove()
        users = db.session.scalar(sa.select(sa.func.count(User.id)))
        assert _statement_time() != _statement_time()  # each read stands alone
        accounts.create_guest()
        db.session.flush()  # the first write: BEGIN goes with it
        assert _statement_time() == _statement_time()  # one transaction
        accounts.create_guest()
        db.session.rollback()  # undoes both writes, the reads between them did not commit
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users
        assert _statement_time() != _statement_time()  # the next reads stand alone again
        db.session.execute(sa.select(User).limit(1).with_for_update())
        assert _statement_time() == _statement_time()  # a locking read opens a transaction
        db.session.commit()
        with db.engine.connect() as connection:  # an explicit isolation level is respected
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(sa.insert(User).values(username="direct"))
            connection.rollback()  # nothing to undo: it committed itself
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users + 1


def test_a_signed_in_learner_gets_an_error_page_while_the_database_is_down(tmp_path):
    """PostgreSQL refusing connections (a restart): loading the signed-in user fails, and the
    error page, whose header also needs that user, must not fail in turn."""
    down = "postgresql+psycopg://quizapp:x@127.0.0.1:9/quizapp"  # nothing listens on port 9
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": down})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"  # a signed-in learner's cookie
    page = client.get("/")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.get_data(as_text=True)
    api = client.get("/api/v1/sets")
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "internal_server_error"


def test_a_commit_before_a_redirect_keeps_what_was_loaded_and_later_commits_expire(sqlite_app):
    app, _path = sqlite_app
    with app.app_context():
        user = db.session.get(User, 1)
        user.desired_retention = 0.85
        commit_before_redirect()
        assert "desired_retention" in user.__dict__  # still loaded: no SELECT to read it
        assert db.session.scalar(sa.select(User.desired_retention)) == 0.85  # stored
        user.desired_retention = 0.8
        db.session.commit()  # an ordinary commit still expires
        assert "desired_retention" not in user.__dict__
