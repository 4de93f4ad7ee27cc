"""Security headers and access helpers shared by every blueprint."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, after_this_request, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer

F = TypeVar("F", bound=Callable[..., Any])

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action {form_action}; base-uri 'self'; object-src 'none'; "
    "frame-ancestors {ancestors}"
)
FRAMED_BLUEPRINTS = ("embed", "lti")
# A CSP source must be a bare origin: anything else could smuggle directives in.
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def as_origin(url: str | None) -> str | None:
    """The scheme://host[:port] of a URL, or None if it has none."""
    parts = urlsplit(url or "")
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return origin if ORIGIN.match(origin) else None


def _add_origins(key: str, origins: Iterable[str | None]) -> None:
    known: list[str] = g.setdefault(key, [])
    for origin in origins:
        origin = as_origin(origin)
        if origin and origin not in known:
            known.append(origin)


def allow_framing_by(origins: Iterable[str | None]) -> None:
    """Let these origins frame this response too (an LMS that launched it, say).

    Only embed and LTI responses take extra frame ancestors; everywhere else stays 'self'.
    """
    _add_origins("frame_ancestors", origins)


def allow_form_posts_to(origins: Iterable[str | None]) -> None:
    """Let this page's forms post to these origins (a deep-linking return URL, say)."""
    if "form_action" not in g and request.blueprint not in FRAMED_BLUEPRINTS:
        after_this_request(add_page_policy)
    _add_origins("form_action", origins)


def frame_ancestors() -> str:
    """'self' everywhere; embed and LTI pages add the origins an admin configured, and
    those their view vouched for (see allow_framing_by)."""
    ancestors = ["'self'"]
    if request.blueprint in FRAMED_BLUEPRINTS:
        # Configured sources are the admin's (wildcards like https://*.example.edu are
        # fine); they only must not smuggle in another directive.
        configured = [
            str(source)
            for source in current_app.config.get("EMBED_ALLOWED_ORIGINS") or []
            if not re.search(r"[\s;,]", str(source))
        ]
        for origin in [*configured, *g.get("frame_ancestors", [])]:
            if origin not in ancestors:
                ancestors.append(origin)
    return " ".join(ancestors)


def form_action() -> str:
    return " ".join(["'self'", *g.get("form_action", [])])


def set_frame_cookie(
    response: Response, key: str, value: str, max_age: int | None, *, httponly: bool = True
) -> None:
    """Set a cookie that has to work inside another site's frame.

    Over HTTPS it is ``SameSite=None; Secure; Partitioned``: sent in cross-site frames,
    and kept by browsers that block third-party cookies but allow partitioned ones (CHIPS).
    Browsers refuse ``SameSite=None`` without ``Secure``, so over plain HTTP (development)
    it is an ordinary first-party cookie. Nothing embedded *depends* on it: embedded pages
    carry a signed token instead (see quizapp.services.embed).
    """
    if request.is_secure:
        response.set_cookie(
            key, value, max_age=max_age, path="/", secure=True, httponly=httponly,
            samesite="None", partitioned=True,
        )  # fmt: skip
    else:
        response.set_cookie(
            key, value, max_age=max_age, path="/", httponly=httponly, samesite="Lax"
        )


def same_origin_post() -> bool:
    """Whether a POST came from one of our own pages (Fetch Metadata, then Origin).

    Embedded forms carry their signed token instead of a CSRF cookie; this check adds
    that a browser sent the form from a quizapp page, not from another site. Clients
    that send neither header (not browsers) are let through: forging a request needs the
    victim's browser, and browsers send them.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return as_origin(origin) == as_origin(request.host_url)


# Every page but the framed ones and those with extra form targets sends the same policy,
# and every page the same other headers: built once, added to the WSGI header list as they
# are. (Through werkzeug's Headers each value is scanned for newlines on every response: a
# thirtieth of an answer's instructions went to checking these constants.)
SAME_ORIGIN_CSP = CSP.format(ancestors="'self'", form_action="'self'")
DEFAULT_HEADERS = (
    ("Content-Security-Policy", SAME_ORIGIN_CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HTTPS_HEADERS = (*DEFAULT_HEADERS, ("Strict-Transport-Security", "max-age=31536000"))


class SecurityHeaders:
    """WSGI middleware: CSP, nosniff, referrer and permissions policy, COOP, and HSTS when
    the request came over HTTPS, on every response (error pages and static files too).

    A view or ``add_page_policy`` may have set one of them; its value stands. Install
    it inside ProxyFix, so that a request forwarded as HTTPS counts as HTTPS.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.plain = [(name.lower(), name, value) for name, value in DEFAULT_HEADERS]
        self.https = [(name.lower(), name, value) for name, value in HTTPS_HEADERS]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        wanted = self.https if environ.get("wsgi.url_scheme") in ("https", "wss") else self.plain

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            headers.extend((name, value) for key, name, value in wanted if key not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of
    keys instead of on every request (building one also serializes an empty dict to find
    out whether the serializer makes text)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        try:
            return self._serializers[keys]
        except KeyError:
            if len(self._serializers) > 8:  # keys rotated in a long-lived process
                self._serializers.clear()
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
            return serializer


def add_page_policy(response: Response) -> Response:
    """The headers that depend on the page, where they differ from SecurityHeaders' fixed
    ones: embed and LTI pages may be framed by LMS origins, a page may post forms
    elsewhere, and LTI pages keep their opener. Runs only for those pages (the embed and
    LTI blueprints, and pages that called allow_form_posts_to), not on every response."""
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = CSP.format(
            ancestors=frame_ancestors(), form_action=form_action()
        )
    if request.blueprint == "lti" and "Cross-Origin-Opener-Policy" not in response.headers:
        # LTI pages are opened by an LMS as popups and talk back to their opener
        # (dynamic registration's close message); same-origin would cut that link.
        response.headers["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def upload_limit() -> str:
    """Flask-Limiter limit string for upload endpoints (from UPLOAD_RATE_LIMIT)."""
    return current_app.config["UPLOAD_RATE_LIMIT"]


def login_limit() -> str:
    """Failed sign-ins allowed per username (LOGIN_RATE_LIMIT): guessing one password."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def address_login_limit() -> str:
    """Sign-in and registration attempts per client address (LOGIN_ADDRESS_RATE_LIMIT):
    high enough for a whole class behind one school NAT address, low enough to stop one
    client from trying many usernames."""
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def lti_login_limit() -> str:
    """LTI login initiations per client address (LTI_LOGIN_RATE_LIMIT): anyone may start
    one, and each stores a state and a nonce until it expires."""
    return current_app.config["LTI_LOGIN_RATE_LIMIT"]


def submitted_username() -> str:
    """Rate-limit key: the username a sign-in form or JSON body names (case-insensitive)."""
    body = request.get_json(silent=True) if request.is_json else None
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return f"login:{str(name or '').strip().lower()[:80]}"


def failed_sign_in(response: Response) -> bool:
    """Only failures count against a username: a successful sign-in redirects (HTML) or
    creates a token (API)."""
    return response.status_code not in (201, 302, 303)


def user_or_address() -> str:
    """Rate-limit key: the signed-in user, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{request.remote_addr}"


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
