"""Paths and helpers shared by test modules (fixtures live in conftest.py)."""

import os
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from quizapp.extensions import db

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO_ROOT / "question_banks" / "alaska-summit.txt"
DATA_DIR = Path(__file__).resolve().parent / "data"


def csrf_token_from(html: str) -> str:
    """The CSRF token rendered into a page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf token in page"
    return match.group(1)


POSTGRES_URL = os.environ.get("QUIZAPP_TEST_POSTGRES_URL")
# Every test that uses the app runs on SQLite and, when a server is given, on PostgreSQL.
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def database_url(tmp_path: Path, backend: str = "sqlite") -> str:
    """A SQLite file per test (as in production: WAL, immediate writes), or the PostgreSQL
    server named by QUIZAPP_TEST_POSTGRES_URL."""
    if backend == "postgresql":
        assert POSTGRES_URL, "QUIZAPP_TEST_POSTGRES_URL is not set"
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def reset_postgres(url: str) -> None:
    """Drop everything in the test database (tables, Alembic's version table, types)."""
    import sqlalchemy as sa

    from quizapp.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    pg_schema["ready"] = False


pg_schema = {"ready": False}


def empty_postgres() -> None:
    """Empty every table; much faster than recreating the schema for each test."""
    from quizapp.extensions import db

    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def run_together(functions: list) -> list:
    """Call each function in its own thread, all released at the same moment (a barrier);
    returns their results in order, or raises the first exception one of them raised."""
    import threading

    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list[BaseException] = []

    def run(index: int, function) -> None:
        try:
            barrier.wait()
            results[index] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def free_port() -> int:
    """A TCP port nobody listens on right now (for a server a test starts)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, timeout: float = 30.0) -> None:
    """Poll ``url``/healthz until the server a test started answers."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def limited_app(tmp_path: Path, **limits: str):
    """An app with rate limits on (the shared fixture turns them off), on its own SQLite."""
    from quizapp import create_app
    from quizapp.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}",
            "RATELIMIT_ENABLED": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **limits,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def stored_private_key(kid: str) -> str:
    """An LTI tool key's column as the database holds it (what a dump or backup shows)."""
    import sqlalchemy as sa

    from quizapp.extensions import db

    return db.session.execute(
        sa.text("SELECT private_key_pem FROM lti_tool_key WHERE kid = :kid"), {"kid": kid}
    ).scalar_one()


def store_as_plaintext(key, secrets: tuple[str, ...]) -> str:
    """Make an LTI tool key a row from before encryption (the PEM itself); returns the PEM."""
    import sqlalchemy as sa

    from quizapp.extensions import db
    from quizapp.services import lti_keys

    pem = lti_keys.private_key_pem(key, secrets)
    db.session.execute(
        sa.text("UPDATE lti_tool_key SET private_key_pem = :pem WHERE kid = :kid"),
        {"pem": pem, "kid": key.kid},
    )
    db.session.expire_all()
    return pem


@contextmanager
def count_queries(app, statements=None, *, with_parameters=False):
    """Count (and optionally collect) the SQL statements sent inside the block."""
    counter = {"n": 0}

    def before(_conn, _cursor, statement, parameters, *_args, **_kwargs):
        counter["n"] += 1
        if statements is not None:
            statements.append((statement, parameters) if with_parameters else statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
