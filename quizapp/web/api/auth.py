"""Who is calling: a bearer token, or a signed-in browser session (which must send CSRF)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import MethodNotAllowed

from quizapp.extensions import csrf, db
from quizapp.services import tokens
from quizapp.web.api import bp
from quizapp.web.api.common import ApiError, api_user

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints anyone may call: the token exchange (it checks a password) and the document.
PUBLIC_ENDPOINTS = frozenset({"api.create_token", "api.openapi_document"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
REALM = 'Bearer realm="quizapp"'


def unauthorized(code: str, message: str, *, invalid_token: bool = False) -> ApiError:
    """A 401 with the Bearer challenge (RFC 6750) in WWW-Authenticate."""
    challenge = REALM + (
        f', error="invalid_token", error_description="{message}"' if invalid_token else ""
    )
    return ApiError(401, code, message, headers={"WWW-Authenticate": challenge})


@bp.before_request
def authenticate() -> None:
    """Set ``g.api_user`` from the bearer token, else from the session cookie; else 401."""
    g.api_user = g.api_token = None
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return  # OPTIONS only lists the allowed methods
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise unauthorized(
                "invalid_token", "use Authorization: Bearer <token>", invalid_token=True
            )
        found = tokens.authenticate(raw.strip())
        if found is None:
            raise unauthorized(
                "invalid_token", "the token is unknown, expired or revoked", invalid_token=True
            )
        g.api_user, g.api_token = found
        if tokens.touch(g.api_token):
            db.session.commit()
        return
    if current_user.is_authenticated:
        # A browser session: cookies ride along on cross-site requests, so CSRF applies.
        if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        g.api_user = current_user._get_current_object()  # type: ignore[attr-defined]
        return
    raise unauthorized("authentication_required", "send Authorization: Bearer <token>")


def instructor_only(view: F) -> F:
    """Let only instructors and admins through (403 for everyone else)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not api_user().is_instructor:
            raise ApiError(403, "forbidden", "only instructors and admins may do this")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.after_app_request
def allow_header(response: Response) -> Response:
    """A 405 from the API names the methods the path does allow (RFC 9110 requires it)."""
    error = request.routing_exception
    if (
        response.status_code == 405
        and isinstance(error, MethodNotAllowed)
        and error.valid_methods
        and request.path.startswith("/api/")
    ):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response
