"""Configuration: safe defaults, then instance/config.py, then environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": "sqlite:///quizapp.sqlite",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "QUESTION_BANKS_DIR": str(Path(__file__).resolve().parent.parent / "question_banks"),
    # Uploads larger than this are refused before they are read whole.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "ARTICLE_MAX_BYTES": 5_000_000,
    # Origins allowed to frame /embed pages (CSP frame-ancestors); empty means self only.
    "EMBED_ALLOWED_ORIGINS": [],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # "database": counters in the app's own database, shared by every process (see
    # quizapp.ratelimit_storage); or any Flask-Limiter URI such as redis://host:6379.
    "RATELIMIT_STORAGE_URI": "database",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Failed sign-ins per username, and sign-in/registration attempts per client address.
    "LOGIN_RATE_LIMIT": "10 per minute",
    "LOGIN_ADDRESS_RATE_LIMIT": "100 per minute",
    # LTI launches started per client address: each one stores a state and a nonce, and a
    # whole school may launch from behind one address at the start of a lesson.
    "LTI_LOGIN_RATE_LIMIT": "300 per minute",
    # Article and bank uploads parse whole files: limited per user.
    "UPLOAD_RATE_LIMIT": "30 per hour",
    # JSON API bearer tokens live this long.
    "API_TOKEN_TTL_DAYS": 30,
    # Connections per app process (a gunicorn worker): pool size plus overflow, PostgreSQL only.
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 5,
    # PostgreSQL: a pooled connection idle at least this long (seconds) is tested before use
    # (quizapp.db_events.install_idle_ping); 0 tests every checkout.
    "DB_PING_AFTER_IDLE": 1.0,
    "WTF_CSRF_TIME_LIMIT": None,
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    "PROXY_COUNT": 0,
    # Embedded pages carry a signed token instead of relying on cookies; it expires after
    # this long without activity (every page re-signs it).
    "EMBED_TOKEN_MAX_AGE_SECONDS": 8 * 3600,
    # A guest learner in an embed is remembered by a (partitioned) cookie where allowed.
    "EMBED_LEARNER_COOKIE_DAYS": 30,
    # LTI 1.3: the tool's name shown in LMSs, and its public base URL for CLI-made links.
    "LTI_TOOL_NAME": "quizapp",
    "LTI_BASE_URL": None,
    # A platform's JWKS is cached this long; an unknown key id refetches it at most this often.
    "LTI_JWKS_TTL_SECONDS": 3600,
    "LTI_JWKS_MIN_REFRESH_SECONDS": 60,
    "LTI_HTTP_TIMEOUT_SECONDS": 10,
    # How long a login may take before its state expires; how long a used nonce is kept.
    "LTI_STATE_TTL_SECONDS": 600,
    "LTI_NONCE_TTL_SECONDS": 2 * 86400,
    "LTI_CLOCK_SKEW_SECONDS": 60,
    # Launch data kept for deep linking and instructor pages after a launch.
    "LTI_LAUNCH_TTL_SECONDS": 4 * 3600,
    # Retired tool keys stay in /lti/jwks this long so tokens signed with them still verify.
    "LTI_RETIRED_KEY_DAYS": 14,
    # Encrypts the tool's private keys in the database (SECRET_KEY when unset); several
    # comma-separated secrets rotate it: the first encrypts, all decrypt.
    "LTI_KEY_SECRET": None,
    # Dynamic registration needs an admin session or an invite link unless this is True.
    "LTI_OPEN_REGISTRATION": False,
    "LTI_INVITE_DAYS": 7,
    # The job outbox: retries with exponential back-off, then the job stays "failed".
    "JOB_MAX_ATTEMPTS": 10,
    "JOB_BACKOFF_BASE_SECONDS": 30,
    "JOB_BACKOFF_MAX_SECONDS": 3600,
    "JOB_LOCK_TIMEOUT_SECONDS": 600,
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def normalise_database_url(url: str) -> str:
    """Map Heroku-style ``postgres://`` URLs onto SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_environment(app: Flask) -> None:
    """Apply the environment: ``DATABASE_URL``, the secrets and ``QUIZAPP_*`` variables."""
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    for name in ("SECRET_KEY", "LTI_KEY_SECRET"):
        if key := os.environ.get(name):
            app.config[name] = key
    if origins := os.environ.get("EMBED_ALLOWED_ORIGINS"):
        app.config["EMBED_ALLOWED_ORIGINS"] = origins.split()
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW"):
        if value := os.environ.get(name):
            app.config[name] = int(value)
    if value := os.environ.get("DB_PING_AFTER_IDLE"):
        app.config["DB_PING_AFTER_IDLE"] = float(value)
    if os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"):
        # Behind HTTPS: cookies only over TLS.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if hops := os.environ.get("PROXY_COUNT"):
        app.config["PROXY_COUNT"] = int(hops)
    if storage := os.environ.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage
    # QUIZAPP_FOO=bar sets FOO (values parsed as JSON when they are JSON).
    app.config.from_prefixed_env("QUIZAPP")


def load_secret_key_file(app: Flask) -> None:
    """Use the key ``setup`` wrote into instance/ when none was configured."""
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / SECRET_KEY_FILE
    if path.is_file():
        app.config["SECRET_KEY"] = path.read_text().strip()


def finalise(app: Flask) -> None:
    """Derive settings and refuse unsafe production configurations."""
    uri = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if uri.startswith("sqlite"):
        # A busy timeout lets concurrent writers wait instead of failing at once. No
        # pre-ping: a file never drops the connection, and it costs a statement a request.
        options.setdefault("connect_args", {"timeout": 15})
    elif uri.startswith("postgresql"):
        # A server restart leaves dead connections in the pool. SQLAlchemy's pre-ping would
        # test every checkout, a round trip per request; install_idle_ping tests only the
        # connections that sat idle, which a restart must have left idle for its length.
        options.setdefault("pool_size", app.config["DB_POOL_SIZE"])
        options.setdefault("max_overflow", app.config["DB_MAX_OVERFLOW"])
        options.setdefault("pool_recycle", 1800)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config.get("RATELIMIT_STORAGE_URI") == "database":
        import quizapp.ratelimit_storage  # noqa: F401  (registers the db+ storage schemes)

        app.config["RATELIMIT_STORAGE_URI"] = _ratelimit_uri(app, uri)
    if not app.config.get("SECRET_KEY"):
        if app.testing or app.debug:
            app.config["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105
        elif os.environ.get("FLASK_RUN_FROM_CLI") == "true":
            # Commands such as `setup` (which writes the key) and `build-set` need no
            # secret; requests are refused until one is configured (see require_secret_key).
            app.config["SECRET_KEY"] = None
        else:
            raise RuntimeError(NO_KEY_MESSAGE)


NO_KEY_MESSAGE = (
    "SECRET_KEY is not set. Run `flask --app quizapp setup` (it writes one to "
    "instance/secret_key) or set the SECRET_KEY environment variable."
)


def require_secret_key() -> None:
    """Refuse to serve requests without a secret key (sessions and CSRF depend on it)."""
    from flask import current_app

    if not current_app.config.get("SECRET_KEY"):
        raise RuntimeError(NO_KEY_MESSAGE)


def _ratelimit_uri(app: Flask, uri: str) -> str:
    """Where the shared rate-limit counters live for this database.

    On SQLite they get a file of their own next to the database: a request that already holds
    the database's write lock (BEGIN IMMEDIATE) must still be able to count a hit.
    """
    if not uri.startswith("sqlite"):
        return "db+" + uri
    absolute = _absolute_sqlite(app, uri)
    if ":memory:" in absolute or absolute in ("sqlite://", "sqlite:///"):
        return "memory://"
    return "db+" + absolute + ".ratelimit"


def _absolute_sqlite(app: Flask, uri: str) -> str:
    """Flask-SQLAlchemy resolves relative SQLite paths against instance/; do the same."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/") and ":memory:" not in uri:
        return prefix + str(Path(app.instance_path) / uri[len(prefix) :])
    return uri
