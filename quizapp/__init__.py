"""quizapp: articles into quizzes and flashcards, with spaced repetition and question banks."""

from __future__ import annotations

import gc
import importlib
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from flask import Flask

from quizapp import config, gc_pause

# Imported on first use rather than by create_app: they load pylti1p3 (with jwt, cryptography
# and requests), bs4, markdown-it and genanki, about 0.5 s that most `flask` commands never
# need. warm_up imports them so that a preloading server's workers share them from the fork.
ON_DEMAND_MODULES = (
    "quizapp.domain.articles.markup",
    "quizapp.services.lti_ags",
    "quizapp.services.lti_deep_link",
    "quizapp.services.lti_keys",
    "quizapp.services.lti_launch",
    "quizapp.services.lti_nrps",
    "quizapp.services.lti_platforms",
    "genanki",
)


class QuizappFlask(Flask):
    """Flask, with the per-call async check made cheap: quizapp's views and hooks are plain
    functions, and asking ``inspect`` about each of them (seven times a request) cost more
    than the hooks themselves."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is not None and not code.co_flags & inspect.CO_COROUTINE:
            return func  # a plain def (or a method of one): called as it is
        return super().ensure_sync(func)  # async def, partials, other callables


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build, configure, register and return the app; no database or network I/O here."""
    # QUIZAPP_INSTANCE_PATH moves instance/ (database, secret key, config.py) elsewhere.
    instance_path = os.environ.get("QUIZAPP_INSTANCE_PATH") or None
    app = QuizappFlask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(config.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        config.load_environment(app)
    else:
        app.config.from_mapping(test_config)
    with nullcontext() if app.testing else collected_once_then_frozen():
        config.load_secret_key_file(app)
        config.finalise(app)
        os.makedirs(app.instance_path, exist_ok=True)
        if not app.config["SECRET_KEY"]:
            app.before_request(config.require_secret_key)

        register_extensions(app)
        register_blueprints(app)
        register_error_handlers(app)
        register_commands(app)
        register_template_helpers(app)
        register_security_headers(app)
        register_proxy_fix(app)
    return app


def warm_up(app: Flask) -> None:
    """Do once, before serving, what the first requests would otherwise do in every worker:
    import the on-demand modules, configure the ORM mappers and compile every template. No
    database I/O (a preloading server forks after this, and connections must not cross a
    fork)."""
    from sqlalchemy.orm import configure_mappers

    for name in ON_DEMAND_MODULES:
        importlib.import_module(name)
    configure_mappers()
    for name in app.jinja_env.list_templates():
        if name.endswith(".html"):
            app.jinja_env.get_template(name)
    freeze_startup_objects()


def freeze_startup_objects() -> None:
    """Move everything loaded so far (modules, mappers, compiled routes) out of the garbage
    collector's sight: they live as long as the process, and every full collection would
    otherwise walk all of them again, several times a second under load (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


@contextmanager
def collected_once_then_frozen() -> Iterator[None]:
    """Pause the collector while the app loads, then collect once and freeze.

    Loading creates some 100,000 objects that live as long as the process; the collector
    would otherwise walk them over and over on the way (about 0.1 s of every ``flask``
    command), only for freeze_startup_objects to set them aside. This is the pattern the
    ``gc.freeze`` documentation gives: disable early, freeze when loaded.
    """
    with gc_pause.paused():
        yield
        # Still paused: no automatic collection gets to walk it all first.
        freeze_startup_objects()


def register_proxy_fix(app: Flask) -> None:
    """Behind a TLS-terminating proxy, trust its X-Forwarded-* headers (PROXY_COUNT hops).

    Then request.is_secure is right, so cookies get Secure and HSTS is sent.
    """
    hops = int(app.config.get("PROXY_COUNT") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    """Bind the extension objects of quizapp.extensions to this app."""
    from quizapp import models  # noqa: F401  (the whole schema, for Alembic)
    from quizapp.extensions import csrf, db, limiter, login_manager, migrate
    from quizapp.services import accounts

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(accounts.load_user)
    from quizapp.db_events import (
        install_idle_ping,
        install_lazy_begin,
        install_session_teardown,
        install_sqlite_pragmas,
    )

    install_session_teardown(app)
    install_sqlite_pragmas(app)
    install_idle_ping(app)
    install_lazy_begin(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per audience."""
    from quizapp.web import api, auth, embed, errors, instructor, lti, main, study

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(study.bp)
    app.register_blueprint(instructor.bp, url_prefix="/teach")
    app.register_blueprint(embed.bp, url_prefix="/embed")
    app.register_blueprint(lti.bp, url_prefix="/lti")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(errors.bp)


def register_error_handlers(app: Flask) -> None:
    """Error pages live in the errors blueprint; nothing else to do here."""


def register_commands(app: Flask) -> None:
    """Add the admin and instructor CLI (`flask --app quizapp <command>`)."""
    from quizapp.cli import COMMANDS
    from quizapp.lti_cli import LTI_COMMANDS

    for command in [*COMMANDS, *LTI_COMMANDS]:
        app.cli.add_command(command)


def register_template_helpers(app: Flask) -> None:
    """Expose small helpers to Jinja templates."""
    from quizapp.web import template_helpers

    template_helpers.register(app)


def register_security_headers(app: Flask) -> None:
    """Send CSP and the other security headers on every response; embed and LTI pages
    get their own frame ancestors."""
    from quizapp.web.security import (
        FRAMED_BLUEPRINTS,
        SecurityHeaders,
        SessionCookies,
        add_page_policy,
    )

    for blueprint in FRAMED_BLUEPRINTS:  # after_request for these blueprints' pages only
        app.after_request_funcs.setdefault(blueprint, []).append(add_page_policy)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.session_interface = SessionCookies()
