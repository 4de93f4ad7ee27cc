"""The application factory and its configuration cascade."""

import gc
import os
import subprocess
import sys

import pytest

from quizapp import create_app
from quizapp.config import normalise_database_url

from support import REPO_ROOT


def test_testing_config_is_applied(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(("sqlite", "postgresql"))


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    # An empty instance folder: the checkout's own may hold the key `flask setup` wrote.
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_start_up_pauses_the_collector_then_freezes(monkeypatch, tmp_path):
    """A production app loads with the collector paused, then freezes what it loaded; the
    collector is running again afterwards, also when the app refuses to start."""
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x")
    create_app()
    assert gc.isenabled() and gc.get_freeze_count() > 0
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    assert gc.isenabled()


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


@pytest.mark.parametrize("path", ["/no-such-page", "/static/css/app.css", "/healthz"])
def test_every_kind_of_response_gets_each_security_header_once(client, path):
    response = client.get(path)
    response.close()  # a static file's response holds the file open
    names = [name.lower() for name, _value in response.headers]
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy",
                 "permissions-policy", "cross-origin-opener-policy"):  # fmt: skip
        assert names.count(name) == 1, (path, name)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_views_run_as_they_are_and_async_ones_still_go_through_flask(app):
    def now():
        return "x"

    async def later():
        return "x"

    assert app.ensure_sync(now) is now
    try:
        wrapped = app.ensure_sync(later)
    except RuntimeError as exc:  # Flask without its "async" extra says so
        assert "async" in str(exc)
    else:
        assert wrapped is not later


def test_a_header_the_app_set_itself_stands(app):
    @app.get("/framed-by-anyone")
    def framed_by_anyone():
        return "x", {"Content-Security-Policy": "frame-ancestors *"}

    response = app.test_client().get("/framed-by-anyone")
    assert response.headers.getlist("Content-Security-Policy") == ["frame-ancestors *"]


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


def test_start_up_leaves_heavy_libraries_to_first_use(tmp_path):
    """Every `flask` command builds the app, so LTI, article markup and Anki export load on
    first use; warm_up (a preloading server, before it forks) loads them all."""
    code = (
        "import sys\n"
        "from quizapp import ON_DEMAND_MODULES, create_app, warm_up\n"
        "app = create_app()\n"
        "heavy = ('pylti1p3', 'bs4', 'markdown_it', 'genanki', *ON_DEMAND_MODULES)\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
        "warm_up(app)\n"
        "print(sorted(name for name in heavy if name not in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(QUIZAPP_INSTANCE_PATH=str(tmp_path), SECRET_KEY="t")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded_by_create_app, missed_by_warm_up = done.stdout.splitlines()
    assert loaded_by_create_app == "[]"
    assert missed_by_warm_up == "[]"
