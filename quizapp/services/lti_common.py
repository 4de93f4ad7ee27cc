"""The LTI names the web layer needs when the app starts: settings, endpoints and errors.

Plain data without pylti1p3, so that registering the LTI blueprint (its error handler) and
the CLI do not load pylti1p3, jwt, cryptography and requests (about 0.2 s) for every
``flask`` command; the services that use pylti1p3 load on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class LtiError(ValueError):
    """An LTI request quizapp refuses; its message is shown to the person (a 4xx page)."""

    status = 400


class PlatformError(LtiError):
    """The platform answered badly or not at all (a 502 page)."""

    status = 502


@dataclass(frozen=True)
class LtiSettings:
    """The LTI part of the app's configuration, passed to services explicitly."""

    tool_name: str = "quizapp"
    jwks_ttl_seconds: int = 3600
    jwks_min_refresh_seconds: int = 60
    http_timeout_seconds: float = 10
    state_ttl_seconds: int = 600
    nonce_ttl_seconds: int = 2 * 86400
    clock_skew_seconds: int = 60
    launch_ttl_seconds: int = 4 * 3600
    retired_key_days: int = 14
    # What protects quizapp's private keys (see lti_keys): never shown in a repr.
    key_secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LtiSettings:
        return cls(
            tool_name=str(config.get("LTI_TOOL_NAME") or "quizapp"),
            jwks_ttl_seconds=int(config.get("LTI_JWKS_TTL_SECONDS", 3600)),
            jwks_min_refresh_seconds=int(config.get("LTI_JWKS_MIN_REFRESH_SECONDS", 60)),
            http_timeout_seconds=float(config.get("LTI_HTTP_TIMEOUT_SECONDS", 10)),
            state_ttl_seconds=int(config.get("LTI_STATE_TTL_SECONDS", 600)),
            nonce_ttl_seconds=int(config.get("LTI_NONCE_TTL_SECONDS", 2 * 86400)),
            clock_skew_seconds=int(config.get("LTI_CLOCK_SKEW_SECONDS", 60)),
            launch_ttl_seconds=int(config.get("LTI_LAUNCH_TTL_SECONDS", 4 * 3600)),
            retired_key_days=int(config.get("LTI_RETIRED_KEY_DAYS", 14)),
            key_secrets=cls.key_secrets_of(config),
        )

    @staticmethod
    def key_secrets_of(config: Mapping[str, Any]) -> tuple[str, ...]:
        """LTI_KEY_SECRET's comma-separated secrets (the first one encrypts), then SECRET_KEY:
        it encrypts when LTI_KEY_SECRET is unset and still decrypts what it encrypted after."""
        listed = config.get("LTI_KEY_SECRET") or ()
        if isinstance(listed, str):
            listed = listed.split(",")
        secrets = [str(secret).strip() for secret in listed]
        secrets.append(str(config.get("SECRET_KEY") or ""))
        return tuple(dict.fromkeys(secret for secret in secrets if secret))


@dataclass(frozen=True)
class ToolUrls:
    """quizapp's public LTI endpoints, as the platform must call them."""

    login: str
    launch: str
    jwks: str
    logo: str | None = None

    @property
    def domain(self) -> str:
        return urlsplit(self.launch).netloc
