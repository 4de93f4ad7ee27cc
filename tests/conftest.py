"""Shared fixtures: a fresh app and database per test, a CLI runner, and login helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp import create_app
from quizapp.extensions import db

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = REPO_ROOT / "question_banks" / "alaska-summit.txt"
DATA_DIR = Path(__file__).resolve().parent / "data"


def database_url() -> str:
    """In-memory SQLite by default; QUIZAPP_TEST_DATABASE_URL runs the suite on PostgreSQL."""
    return os.environ.get("QUIZAPP_TEST_DATABASE_URL", "sqlite://")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    })
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app: Flask):
    """The app with the bundled question_banks/ loaded as published sets; returns the seed set id."""
    from quizapp.models import StudySet
    from quizapp.services.sets import load_bundled_sets

    with app.app_context():
        report = load_bundled_sets(REPO_ROOT / "question_banks")
        db.session.commit()
        assert "alaska-summit.txt" in report.created
        return db.session.scalar(db.select(StudySet.id).where(
            StudySet.origin == "bundle:alaska-summit.txt"))


class AuthActions:
    """Create users and sign in through the real login form."""

    def __init__(self, app: Flask, client: FlaskClient):
        self._app, self._client = app, client

    def create(self, username: str = "learner", password: str = "password123",
               role: str = "learner") -> int:
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


def csrf_token_from(html: str) -> str:
    """The CSRF token rendered into a page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf token in page"
    return match.group(1)
