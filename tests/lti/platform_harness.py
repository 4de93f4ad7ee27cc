"""A real LTI 1.3 platform for tests, served by http.server in a thread.

It has its own RSA key and JWKS, signs id_tokens, runs the OIDC authorization endpoint
(form_post back to the tool), issues access tokens only to client assertions signed by a
key the tool publishes at /lti/jwks, receives AGS scores, serves an NRPS roster, an
OpenID configuration and a dynamic registration endpoint, and pages for browser tests:
an LMS page framing the tool with LTI postMessage storage, and plain host pages.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass
class Recorded:
    """What the platform received, for assertions."""

    auth_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    registration_auth: list[str | None] = field(default_factory=list)
    roster_requests: int = 0
    jwks_requests: int = 0


class FakePlatform:
    """One LMS: issuer, client id and deployment for quizapp, and its endpoints."""

    def __init__(self, public_host: str = "127.0.0.1") -> None:
        self.key = new_key()
        self.kid = "platform-key-1"
        self.client_id = "quizapp-client"
        self.deployment_id = "deployment-1"
        self.recorded = Recorded()
        self.tool_jwks_url: str | None = None
        self.tool_launch_url: str | None = None
        self.access_tokens: set[str] = set()
        self.fail_scores = 0  # answer this many score posts with HTTP 500
        self.registration_token: str | None = None  # expected Bearer token, if any
        self.members: list[dict[str, Any]] = []
        self.next_launch: dict[str, Any] = {}  # claims the /auth endpoint signs next
        self.errors: list[str] = []  # a failed check in a handler, reported to the test
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://{public_host}:{self._server.server_port}"
        self.issuer = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakePlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- endpoints quizapp is told about -------------------------------------------------

    @property
    def auth_login_url(self) -> str:
        return self.url + "/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    @property
    def lineitem_url(self) -> str:
        return self.url + "/lineitems/7/lineitem"

    @property
    def memberships_url(self) -> str:
        return self.url + "/memberships"

    @property
    def openid_configuration_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    def register_with(self, app: Any) -> None:
        """Register this platform in quizapp's database (as the CLI or admin page does)."""
        from quizapp.extensions import db
        from quizapp.services import lti_platforms

        with app.app_context():
            lti_platforms.register_platform(
                issuer=self.issuer, client_id=self.client_id, auth_login_url=self.auth_login_url,
                auth_token_url=self.token_url, key_set_url=self.jwks_url,
                deployment_ids=[self.deployment_id], name="Fake LMS",
            )  # fmt: skip
            db.session.commit()

    # --- messages --------------------------------------------------------------------------

    def login_params(self, tool_launch_url: str, **extra: str) -> dict[str, str]:
        """An OIDC third-party login initiation, as the LMS sends it."""
        return {
            "iss": self.issuer, "login_hint": "hint-1", "target_link_uri": tool_launch_url,
            "lti_message_hint": "message-1", "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id, **extra,
        }  # fmt: skip

    def claims(
        self,
        *,
        nonce: str,
        sub: str = "learner-1",
        roles: list[str] | None = None,
        set_id: int | None = None,
        message_type: str = "LtiResourceLinkRequest",
        resource_link_id: str = "link-1",
        name: str = "Ada Learner",
    ) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": name,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": self.tool_launch_url or "",
            CLAIM + "roles": roles if roles is not None else LEARNER,
            CLAIM + "context": {"id": "course-1", "title": "Biology 101", "label": "BIO101"},
            NRPS: {"context_memberships_url": self.memberships_url, "service_versions": ["2.0"]},
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "Quiz"}
            claims[AGS] = {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitem": self.lineitem_url,
                "lineitems": self.url + "/lineitems",
            }
            if set_id is not None:
                claims[CLAIM + "custom"] = {"set_id": str(set_id)}
        else:
            claims[DL_SETTINGS] = {
                "deep_link_return_url": self.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "data": "opaque-platform-data",
            }
        return claims

    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
    ) -> str:
        return jwt.encode(
            claims, pem(key or self.key), algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def id_token(self, **options: Any) -> str:
        return self.sign(self.claims(**options))

    # --- what the handler does ---------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        """The OIDC auth endpoint: an auto-submitting form_post back to the tool."""
        self.recorded.auth_requests.append(query)
        assert query["response_type"] == "id_token" and query["response_mode"] == "form_post"
        assert query["client_id"] == self.client_id and query["prompt"] == "none"
        assert query["scope"] == "openid"
        claims = self.claims(nonce=query["nonce"], **self.next_launch)
        token = self.sign(claims)
        return (
            "<!doctype html><title>LMS</title><body>"
            f'<form id="f" method="post" action="{html.escape(query["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
            "</form><script>document.getElementById('f').submit()</script>"
        )

    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        """Client credentials with a JWT assertion signed by a key the tool publishes."""
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
        assertion = form["client_assertion"]
        header = jwt.get_unverified_header(assertion)
        assert self.tool_jwks_url, "the test must say where the tool's JWKS is"
        tool_keys = requests.get(self.tool_jwks_url, timeout=5).json()["keys"]
        match = [k for k in tool_keys if k["kid"] == header["kid"]]
        assert match, f"kid {header['kid']} is not in the tool's JWKS"
        claims = jwt.decode(
            assertion,
            RSAAlgorithm.from_jwk(json.dumps(match[0])),
            algorithms=["RS256"],
            audience=self.token_url,
        )
        assert claims["iss"] == claims["sub"] == self.client_id
        self.recorded.token_requests.append({"form": form, "claims": claims})
        token = secrets.token_urlsafe(16)
        self.access_tokens.add(token)
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                "scope": form.get("scope", "")}  # fmt: skip

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.auth_login_url,
            "token_endpoint": self.token_url,
            "jwks_uri": self.jwks_url,
            "registration_endpoint": self.url + "/register",
            "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "fake-lms",
                "version": "1.0",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],  # fmt: skip
            },
        }

    def register_tool(self, body: dict[str, Any], authorization: str | None) -> tuple[int, dict]:
        self.recorded.registrations.append(body)
        self.recorded.registration_auth.append(authorization)
        if self.registration_token and authorization != f"Bearer {self.registration_token}":
            return 401, {"error": "invalid_token"}
        assert body["token_endpoint_auth_method"] == "private_key_jwt"
        assert body["initiate_login_uri"] and body["redirect_uris"] and body["jwks_uri"]
        reply = dict(body)
        reply["client_id"] = "dynamic-client"
        reply[TOOL_CONFIGURATION] = {**body[TOOL_CONFIGURATION], "deployment_id": "dynamic-1"}
        return 200, reply

    def lms_page(self, tool_login_url: str, storage: bool) -> str:
        """An LMS course page framing the tool, with LTI postMessage storage."""
        params = self.login_params(self.tool_launch_url or "")
        if storage:
            params["lti_storage_target"] = "_parent"
        src = tool_login_url + "?" + urlencode(params)
        return PLATFORM_PAGE.replace("{{SRC}}", html.escape(src))

    @staticmethod
    def host_page(src: str) -> str:
        return (
            "<!doctype html><title>Host</title><h1>Another site</h1>"
            f'<iframe id="tool" name="tool" src="{html.escape(src)}" width="800" height="900">'
            "</iframe>"
        )


PLATFORM_PAGE = """<!doctype html><title>Fake LMS course</title>
<h1>Biology 101</h1>
<iframe id="tool" name="tool" src="{{SRC}}" width="800" height="900"></iframe>
<script>
  // The platform side of LTI postMessage storage: data kept in this page, per origin.
  window.platformStorage = {};
  window.platformStorageLog = [];
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    var subject = String(data.subject || "").replace(/^org\\.imsglobal\\./, "");
    var reply = {subject: data.subject + ".response", message_id: data.message_id};
    if (subject === "lti.capabilities") {
      reply.supported_messages = [{subject: "lti.put_data"}, {subject: "lti.get_data"}];
    } else if (subject === "lti.put_data") {
      window.platformStorage[event.origin + "|" + data.key] = data.value;
      reply.key = data.key; reply.value = data.value;
    } else if (subject === "lti.get_data") {
      reply.key = data.key; reply.value = window.platformStorage[event.origin + "|" + data.key];
    } else {
      return;  // not a storage message (lti.frameResize...)
    }
    window.platformStorageLog.push(subject);
    event.source.postMessage(reply, event.origin);
  });
</script>"""


@dataclass
class Incoming:
    """One request to the platform, as its endpoints see it."""

    query: dict[str, str]
    headers: Any
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def bearer(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth[7:] if auth.startswith("Bearer ") else None


Reply = tuple[int, Any, str]
JSON = "application/json"
HTML = "text/html"


class Endpoints:
    """The platform's HTTP endpoints: (method, path) → reply."""

    def __init__(self, platform: FakePlatform) -> None:
        self.p = platform
        self.routes = {
            ("GET", "/jwks"): self.jwks,
            ("GET", "/auth"): lambda r: (200, platform.authorize(r.query), HTML),
            ("GET", "/memberships"): self.memberships,
            ("GET", "/.well-known/openid-configuration"): lambda r: (
                200,
                platform.openid_configuration(),
                JSON,
            ),  # fmt: skip
            ("GET", "/lms"): lambda r: (
                200,
                platform.lms_page(r.query["tool_login"], r.query.get("storage") == "1"),
                HTML,
            ),  # fmt: skip
            ("GET", "/host"): lambda r: (200, platform.host_page(r.query["src"]), HTML),
            ("POST", "/token"): lambda r: (200, platform.issue_token(r.form()), JSON),
            ("POST", "/lineitems/7/lineitem/scores"): self.score,
            ("POST", "/register"): lambda r: (
                *platform.register_tool(r.json(), r.headers.get("Authorization")),
                JSON,
            ),  # fmt: skip
            ("POST", "/deep-link-return"): lambda r: (
                200,
                f"<p id='returned'>{html.escape(r.form().get('JWT', ''))}</p>",
                HTML,
            ),  # fmt: skip
        }

    def jwks(self, request: Incoming) -> Reply:
        self.p.recorded.jwks_requests += 1
        return 200, self.p.jwks(), JSON

    def memberships(self, request: Incoming) -> Reply:
        if request.bearer() not in self.p.access_tokens:
            return 401, {"error": "unauthorized"}, JSON
        self.p.recorded.roster_requests += 1
        container = {
            "id": self.p.memberships_url,
            "context": {"id": "course-1", "title": "Biology 101"},
            "members": self.p.members,
        }
        return 200, container, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

    def score(self, request: Incoming) -> Reply:
        if request.bearer() not in self.p.access_tokens:
            return 401, {"error": "unauthorized"}, JSON
        if self.p.fail_scores > 0:
            self.p.fail_scores -= 1
            return 500, {"error": "try later"}, JSON
        content_type = request.headers.get("Content-Type")
        self.p.recorded.scores.append({"content_type": content_type, "score": request.json()})
        return 200, {}, JSON


def _handler(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    endpoints = Endpoints(platform)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._dispatch()

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch()

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Incoming(
                {k: v[0] for k, v in parse_qs(parts.query).items()},
                self.headers,
                self.rfile.read(length) if length else b"",
            )
            endpoint = endpoints.routes.get((self.command, parts.path))
            try:
                status, body, content_type = (
                    endpoint(request) if endpoint else (404, {"error": "not found"}, JSON)
                )
            except Exception as exc:  # a failed check: answer 400 and tell the test
                platform.errors.append(f"{self.command} {self.path}: {exc!r}")
                status, body, content_type = 400, {"error": repr(exc)}, JSON
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def decode_unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def random_nonce() -> str:
    return uuid.uuid4().hex


class CookieRecorder:
    """WSGI middleware: remembers every request path and the cookies it carried."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.requests.append((environ.get("PATH_INFO", ""), environ.get("HTTP_COOKIE", "")))
        return self.app(environ, start_response)

    def with_cookies(self) -> list[tuple[str, str]]:
        return [(path, cookie) for path, cookie in self.requests if cookie]


def chromium_executable() -> str | None:
    import os
    import shutil
    from pathlib import Path

    for candidate in (
        os.environ.get("QUIZAPP_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    return None


# Third-party cookies blocked, as Chrome's phase-out does (newer builds block them anyway).
BLOCK_THIRD_PARTY_COOKIES = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--test-third-party-cookie-phaseout",
]  # fmt: skip

# Run in a frame: can this document set and read back an ordinary (unpartitioned)
# third-party cookie? With third-party cookies blocked it cannot.
COOKIE_PROBE = """() => {
  document.cookie = "quizapp_probe=1; SameSite=None; Secure; path=/";
  return document.cookie.includes("quizapp_probe=1");
}"""
