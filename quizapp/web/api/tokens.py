"""Token exchange: a username and password for a bearer token; revoking the token in use."""

from __future__ import annotations

from flask import current_app, g
from flask.typing import ResponseReturnValue

from quizapp.extensions import db, limiter
from quizapp.services import accounts, tokens
from quizapp.web.api import bp
from quizapp.web.api.auth import unauthorized
from quizapp.web.api.common import ApiError, iso, json_body, text
from quizapp.web.security import (
    address_login_limit,
    failed_sign_in,
    login_limit,
    submitted_username,
)


@bp.post("/tokens")
@limiter.limit(address_login_limit)
@limiter.limit(login_limit, key_func=submitted_username, deduct_when=failed_sign_in)
def create_token() -> ResponseReturnValue:
    """Exchange a username and password for a bearer token (shown only in this reply)."""
    body = json_body()
    username = text(body, "username", max_len=80, required=True, empty=False)
    password = text(body, "password", max_len=200, required=True, empty=False)
    name = text(body, "name", max_len=100) or "API token"
    user = accounts.find_user(username or "")
    if user is None or user.is_guest or not user.check_password(password or ""):
        raise unauthorized("invalid_credentials", "unknown username or wrong password")
    ttl = int(current_app.config.get("API_TOKEN_TTL_DAYS") or tokens.DEFAULT_TTL_DAYS)
    token, raw = tokens.issue_token(user, name=name, ttl_days=ttl)
    db.session.commit()
    return {"token": raw, "token_id": token.id, "expires_at": iso(token.expires_at)}, 201


@bp.delete("/tokens/current")
def revoke_current_token() -> ResponseReturnValue:
    """Revoke the bearer token this request was made with (sign an app out)."""
    token = g.get("api_token")
    if token is None:
        raise ApiError(400, "bearer_required", "only a bearer-token request can revoke its token")
    tokens.revoke(token)
    db.session.commit()
    return "", 204
