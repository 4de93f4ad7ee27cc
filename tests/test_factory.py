"""The application factory and its configuration cascade."""

import pytest

from quizapp import create_app
from quizapp.config import normalise_database_url


def test_testing_config_is_applied(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(("sqlite", "postgresql"))


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/quiz")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("QUIZAPP_MAX_CONTENT_LENGTH", "1234")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/quiz"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_lti_key_secret_comes_from_the_environment(monkeypatch):
    from quizapp.services.lti_platforms import LtiSettings

    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("LTI_KEY_SECRET", "new-lti-secret,old-lti-secret")
    app = create_app()
    assert LtiSettings.from_config(app.config).key_secrets == (
        "new-lti-secret", "old-lti-secret", "from-env",
    )  # fmt: skip


def test_default_database_lives_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///quizapp.sqlite"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://h/d", "postgresql+psycopg://h/d"),
        ("postgresql+psycopg://h/d", "postgresql+psycopg://h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_security_headers_on_every_response(client):
    response = client.get("/healthz")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_proxy_fix_makes_forwarded_https_secure(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "PROXY_COUNT": 1,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        }
    )
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
