"""API tokens: issue, authenticate, list and revoke bearer tokens (only their SHA-256 is kept)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from quizapp.extensions import db
from quizapp.models import ApiToken, User, utcnow

DEFAULT_TTL_DAYS = 30
# last_used_at is refreshed at most this often, so reads do not all turn into writes.
TOUCH_INTERVAL = timedelta(minutes=5)
TOKEN_PREFIX = "qz_"  # noqa: S105 - marks quizapp tokens (for secret scanners), not a secret


class TokenError(ValueError):
    """A token request that cannot be honoured (guest account, bad name...)."""


def hash_token(raw: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    user: User,
    *,
    name: str = "API token",
    ttl_days: int = DEFAULT_TTL_DAYS,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the raw token, shown only this once."""
    if user.is_guest:
        raise TokenError("guest accounts cannot have API tokens; register first")
    now = now or utcnow()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name.strip() or "API token")[:100],
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + timedelta(days=max(int(ttl_days), 1)),
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def find_active(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The unrevoked, unexpired token with this value, or None."""
    now = now or utcnow()
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(raw),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )


def authenticate(raw: str, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The user a bearer token belongs to (and the token), or None if it is not valid."""
    token = find_active(raw, now)
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or user.is_guest:
        return None
    return user, token


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record that the token was used, at most every TOUCH_INTERVAL; returns whether it wrote.

    This is bookkeeping: on SQLite a read transaction that cannot upgrade to a write
    (another writer got in first) skips it instead of failing the request.
    """
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return False
    try:
        with db.session.begin_nested():
            token.last_used_at = now
            db.session.flush()
    except OperationalError:
        return False
    return True


def tokens_for(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def get_own(user: User, token_id: int) -> ApiToken | None:
    """One of the user's tokens by id; other people's tokens are None."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke(token: ApiToken, now: datetime | None = None) -> None:
    """Revoke a token; revoking it again keeps the first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()


def status(token: ApiToken, now: datetime | None = None) -> str:
    """'active', 'revoked' or 'expired'."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"
