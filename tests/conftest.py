"""Shared fixtures: a fresh app and database per test, a CLI runner, and login helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp import create_app
from quizapp.extensions import db

from support import (
    BACKENDS,
    POSTGRES_URL,
    REPO_ROOT,
    database_url,
    empty_postgres,
    pg_schema,
    reset_postgres,
)


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
            # Fast hashing keeps the suite quick; production uses scrypt.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        if backend == "postgresql" and pg_schema["ready"]:
            empty_postgres()
        else:
            if backend == "postgresql":
                reset_postgres(POSTGRES_URL or "")
            db.create_all()
            pg_schema["ready"] = backend == "postgresql"
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
