"""Shared fixtures: a fresh app and database per test, a CLI runner, and login helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp import create_app
from quizapp.extensions import db

from support import REPO_ROOT

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
    _pg_schema["ready"] = False


_pg_schema = {"ready": False}


def empty_postgres() -> None:
    """Empty every table; much faster than recreating the schema for each test."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(tmp_path: Path, backend: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path, backend),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        if backend == "postgresql" and _pg_schema["ready"]:
            empty_postgres()
        else:
            if backend == "postgresql":
                reset_postgres(POSTGRES_URL or "")
            db.create_all()
            _pg_schema["ready"] = backend == "postgresql"
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's fixture of this name: it keeps one request context pushed for
    the whole test, so every request shares one database session and transaction (see
    STYLE.md §2.1). Each request here gets its own context, as in production."""
    yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Replace pytest-flask's client, which keeps the last request's context pushed (its
    ``with app.test_client()``) so a second client's request would reuse its ``g``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app: Flask):
    """Load question_banks/ as published sets; returns the seed set's id."""
    from quizapp.models import StudySet
    from quizapp.services.sets import load_bundled_sets

    with app.app_context():
        report = load_bundled_sets(REPO_ROOT / "question_banks")
        db.session.commit()
        assert "alaska-summit.txt" in report.created
        return db.session.scalar(
            db.select(StudySet.id).where(StudySet.origin == "bundle:alaska-summit.txt")
        )


class AuthActions:
    """Create users and sign in through the real login form."""

    def __init__(self, app: Flask, client: FlaskClient):
        self._app, self._client = app, client

    def create(
        self, username: str = "learner", password: str = "password123", role: str = "learner"
    ) -> int:
        from quizapp.services.accounts import create_user

        with self._app.app_context():
            user = create_user(username, password, role=role)
            db.session.commit()
            return user.id

    def login(self, username: str = "learner", password: str = "password123"):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    return AuthActions(app, client)
