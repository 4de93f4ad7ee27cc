"""LTI platforms: registration (manual and dynamic), pylti1p3's tool configuration backed by
the database, and the platforms' cached key sets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pylti1p3.deployment import Deployment
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from quizapp.extensions import db
from quizapp.models import LtiPlatform, LtiToolKey, utcnow
from quizapp.services import lti_keys
from quizapp.services.lti_common import LtiError, LtiSettings, PlatformError, ToolUrls

AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
USER_AGENT = "quizapp-lti"


class TimeoutSession(requests.Session):
    """A requests session that never waits forever on a platform."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def http_session(settings: LtiSettings) -> TimeoutSession:
    """The HTTP client for talking to platforms (with quizapp's timeout)."""
    return TimeoutSession(settings.http_timeout_seconds)


# --- registering platforms ---------------------------------------------------------------


def _check_url(name: str, url: str | None) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LtiError(f"{name} must be an http(s) URL, not {url!r}")
    return str(url)


def find_platform(issuer: str, client_id: str | None = None) -> LtiPlatform | None:
    """The platform registered for this issuer (and client id, when the issuer has several)."""
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        return db.session.scalar(query.where(LtiPlatform.client_id == client_id))
    found = list(db.session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def register_platform(
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: Sequence[str] = (),
    name: str = "",
    auth_audience: str | None = None,
) -> LtiPlatform:
    """Add a platform, or update it (its deployment ids are merged, never dropped)."""
    if not issuer.strip() or not client_id.strip():
        raise LtiError("issuer and client id are required")
    platform = find_platform(issuer, client_id)
    if platform is None:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, deployment_ids=[])
        db.session.add(platform)
    platform.auth_login_url = _check_url("auth login URL", auth_login_url)
    platform.auth_token_url = _check_url("auth token URL", auth_token_url)
    old_key_set_url = platform.key_set_url
    platform.key_set_url = _check_url("key set URL", key_set_url)
    if old_key_set_url != platform.key_set_url:
        platform.key_set, platform.key_set_fetched_at = None, None
    platform.auth_audience = auth_audience or None
    platform.name = name or platform.name or issuer
    known = list(platform.deployment_ids or [])
    platform.deployment_ids = known + [d for d in deployment_ids if d and d not in known]
    db.session.flush()
    return platform


def all_platforms() -> list[LtiPlatform]:
    """Every registered platform, oldest first."""
    return list(db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.id)))


def platform_origins(platform: LtiPlatform) -> list[str]:
    """Origins a platform's pages are served from, as far as its registration tells."""
    origins = []
    for url in (platform.issuer, platform.auth_login_url):
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def all_platform_origins() -> list[str]:
    """The origins of every registered platform (who may frame LTI's own pages)."""
    origins: list[str] = []
    for platform in all_platforms():
        origins += [o for o in platform_origins(platform) if o not in origins]
    return origins


# --- the platform's key set, cached ------------------------------------------------------


def platform_key_set(
    platform: LtiPlatform,
    settings: LtiSettings,
    *,
    refresh: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The platform's JWKS from the cache while fresh; fetched (and cached) otherwise.

    ``refresh`` asks for a refetch (an unknown key id: the platform may have rotated keys),
    honoured at most once per ``jwks_min_refresh_seconds`` so forged tokens cannot make
    quizapp hammer the platform.
    """
    now = now or utcnow()
    fetched = platform.key_set_fetched_at
    age = (now - fetched).total_seconds() if fetched else None
    if platform.key_set and age is not None:
        fresh = age < settings.jwks_ttl_seconds
        if fresh and not (refresh and age >= settings.jwks_min_refresh_seconds):
            return platform.key_set
    try:
        response = http_session(settings).get(platform.key_set_url)
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError) as exc:
        if platform.key_set:
            return platform.key_set  # a stale key set beats none while the platform is down
        raise PlatformError(
            f"Could not fetch the platform's keys from {platform.key_set_url}."
        ) from exc
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise PlatformError(f"The platform's key set at {platform.key_set_url} is not a JWKS.")
    platform.key_set, platform.key_set_fetched_at = key_set, now
    db.session.flush()
    return key_set


# --- pylti1p3's view of the database -----------------------------------------------------


class SigningKeyError(LtiError):
    """quizapp cannot read its own signing key (a server fault: the page says what to do)."""

    status = 500


class PlatformRegistration(Registration):
    """A pylti1p3 Registration for one LtiPlatform, signing with quizapp's current key."""

    def __init__(self, platform: LtiPlatform, key: LtiToolKey, settings: LtiSettings) -> None:
        super().__init__()
        self.platform_id = platform.id
        self.deployment_ids = list(platform.deployment_ids or [])
        self._key = key
        self._settings = settings
        self.set_issuer(platform.issuer)
        self.set_client_id(platform.client_id)
        self.set_auth_login_url(platform.auth_login_url)
        self.set_auth_token_url(platform.auth_token_url)
        self.set_key_set_url(platform.key_set_url)
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)

    def get_tool_private_key(self) -> str:
        # Decrypted when something is signed, not here: a launch never signs, so a key the
        # secrets cannot open stops deep linking and grades but not learners.
        if self._tool_private_key is None:
            try:
                pem = lti_keys.private_key_pem(self._key, self._settings.key_secrets)
            except lti_keys.KeySecretError as exc:
                raise SigningKeyError(str(exc)) from exc
            self.set_tool_private_key(pem)
        return str(self._tool_private_key)

    def get_kid(self) -> str:
        return self._key.kid

    def get_jwks(self) -> list[Mapping[str, Any]]:
        return lti_keys.jwks(self._settings.retired_key_days)["keys"]

    def platform(self) -> LtiPlatform:
        platform = db.session.get(LtiPlatform, self.platform_id)
        assert platform is not None
        return platform


def registration_for(platform: LtiPlatform, settings: LtiSettings) -> PlatformRegistration:
    """pylti1p3's registration for a platform, signing with the current tool key."""
    return PlatformRegistration(platform, lti_keys.signing_key(settings.key_secrets), settings)


class DbToolConf(ToolConfAbstract):
    """pylti1p3's tool configuration read from LtiPlatform rows (many clients per issuer)."""

    def __init__(self, settings: LtiSettings) -> None:
        self.settings = settings

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        platform = find_platform(iss)
        return registration_for(platform, self.settings) if platform else None

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        platform = find_platform(iss, client_id)
        return registration_for(platform, self.settings) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


# --- tool configuration and dynamic registration ------------------------------------------


def tool_configuration(urls: ToolUrls, settings: LtiSettings) -> dict[str, Any]:
    """The tool's registration document (LTI Dynamic Registration §3.3), also shown at
    /lti/config for platforms registered by hand."""
    config: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": settings.tool_name,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join([*AGS_SCOPES, NRPS_SCOPE]),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "target_link_uri": urls.launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name"],
            "description": "Quizzes and spaced-repetition flashcards from study sets.",
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls.launch},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls.launch,
                    "label": settings.tool_name,
                    "placements": ["ContentArea"],
                },
            ],
        },
    }
    if urls.logo:
        config["logo_uri"] = urls.logo
    return config


class _Registrar(DynamicRegistration):
    """pylti1p3's dynamic registration flow with quizapp's payload, timeouts and checks."""

    def __init__(
        self,
        openid_configuration_url: str,
        token: str | None,
        urls: ToolUrls,
        settings: LtiSettings,
    ) -> None:
        self._url, self._token, self._urls, self._settings = (
            openid_configuration_url, token, urls, settings,
        )  # fmt: skip
        self._config: dict[str, Any] | None = None
        self.platform: LtiPlatform | None = None

    def get_request_session(self) -> TimeoutSession:
        return http_session(self._settings)

    def get_openid_configuration_endpoint(self) -> str:
        return self._url

    def get_registration_token(self) -> str | None:  # type: ignore[override]
        return self._token or None

    def lti_registration_data(self) -> dict[str, Any]:
        return tool_configuration(self._urls, self._settings)

    def get_openid_configuration(self) -> dict[str, Any]:
        if self._config is None:
            self._config = fetch_openid_configuration(self._url, self._settings)
        return self._config

    def complete_registration(
        self, openid_configuration: dict[str, Any], openid_registration: dict[str, Any]
    ) -> LtiPlatform:
        client_id = openid_registration.get("client_id")
        if not client_id:
            raise PlatformError("The platform's registration response has no client_id.")
        tool = openid_registration.get(TOOL_CONFIGURATION) or {}
        deployment = tool.get("deployment_id")
        platform_conf = openid_configuration.get(PLATFORM_CONFIGURATION) or {}
        self.platform = register_platform(
            issuer=openid_configuration["issuer"],
            client_id=str(client_id),
            auth_login_url=openid_configuration["authorization_endpoint"],
            auth_token_url=openid_configuration["token_endpoint"],
            key_set_url=openid_configuration["jwks_uri"],
            auth_audience=openid_configuration.get("authorization_server"),
            deployment_ids=[str(deployment)] if deployment else [],
            name=str(platform_conf.get("product_family_code") or openid_configuration["issuer"]),
        )
        return self.platform


REQUIRED_OPENID_FIELDS = (
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint",
)  # fmt: skip


def fetch_openid_configuration(url: str, settings: LtiSettings) -> dict[str, Any]:
    """Fetch and check a platform's OpenID configuration (LTI Dynamic Registration §3.4)."""
    _check_url("openid_configuration", url)
    try:
        response = http_session(settings).get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise PlatformError(f"Could not read the platform's configuration at {url}.") from exc
    if not isinstance(config, dict):
        raise PlatformError("The platform's OpenID configuration is not a JSON object.")
    missing = [name for name in REQUIRED_OPENID_FIELDS if not config.get(name)]
    if missing:
        raise PlatformError(f"The platform's OpenID configuration lacks {', '.join(missing)}.")
    if PLATFORM_CONFIGURATION not in config:
        raise PlatformError("The OpenID configuration is not an LTI platform configuration.")
    for name in REQUIRED_OPENID_FIELDS:
        _check_url(name, config[name])
    return config


def register_dynamically(
    openid_configuration_url: str,
    registration_token: str | None,
    urls: ToolUrls,
    settings: LtiSettings,
) -> LtiPlatform:
    """Run LTI Dynamic Registration: read the platform's configuration, register quizapp
    at its registration endpoint, and store the platform with its deployment."""
    registrar = _Registrar(openid_configuration_url, registration_token, urls, settings)
    try:
        registrar.register()
    except LtiError:
        raise
    except (LtiException, AssertionError, requests.RequestException, KeyError) as exc:
        detail = str(exc).split(" HTTP response")[0] or type(exc).__name__
        raise PlatformError(f"The platform refused the registration: {detail}") from exc
    assert registrar.platform is not None
    return registrar.platform


def describe(platform: LtiPlatform) -> str:
    """One line about a platform for the CLI and admin page."""
    deployments = ", ".join(platform.deployment_ids or []) or "no deployment yet"
    return f"{platform.issuer} · client {platform.client_id} · deployments: {deployments}"


# --- registration invites ------------------------------------------------------------------

INVITE_SALT = "quizapp-lti-invite-v1"


def make_invite(secret_key: str, issued_by: str) -> str:
    """A signed token that lets an LMS run dynamic registration (pasted as part of a URL)."""
    return str(URLSafeTimedSerializer(secret_key, salt=INVITE_SALT).dumps({"by": issued_by}))


def check_invite(secret_key: str, token: str | None, max_age_days: int) -> bool:
    """Whether an invite is genuine and recent."""
    if not token:
        return False
    try:
        URLSafeTimedSerializer(secret_key, salt=INVITE_SALT).loads(
            token, max_age=max_age_days * 86400
        )
    except BadSignature:
        return False
    return True
