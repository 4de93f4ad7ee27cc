"""Security headers and access helpers shared by every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors {ancestors}"
)


def frame_ancestors() -> str:
    """'self' everywhere; embed pages add the origins an admin configured."""
    ancestors = ["'self'"]
    if request.blueprint in ("embed", "lti"):
        ancestors += list(current_app.config.get("EMBED_ALLOWED_ORIGINS") or [])
    return " ".join(ancestors)


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, referrer policy, and HSTS when the request came over HTTPS."""
    response.headers.setdefault("Content-Security-Policy", CSP.format(ancestors=frame_ancestors()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def instructor_required(view: F) -> F:
    """Let only signed-in instructors and admins through (403 for learners)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or current_user.is_guest:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not current_user.is_instructor:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
