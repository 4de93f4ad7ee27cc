"""API tokens in the browser: list, create (shown once) and revoke the user's own tokens."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import tokens
from quizapp.web.auth import bp


class NewTokenForm(FlaskForm):
    """Name a new token."""

    name = StringField(
        "Name (what the token is for, e.g. “phone”)", validators=[Optional(), Length(max=100)]
    )
    submit = SubmitField("Create token")


class RevokeTokenForm(FlaskForm):
    """A revoke button (CSRF token only)."""

    submit = SubmitField("Revoke")


def _registered_user() -> User:
    if current_user.is_guest:
        abort(403, "Register first: guest accounts cannot have API tokens.")
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _page(form: NewTokenForm, new_token: str | None = None) -> ResponseReturnValue:
    user = _registered_user()
    return render_template(
        "auth/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=[(token, tokens.status(token)) for token in tokens.tokens_for(user)],
        new_token=new_token,
        ttl_days=current_app.config.get("API_TOKEN_TTL_DAYS") or tokens.DEFAULT_TTL_DAYS,
    )


@bp.route("/tokens", methods=("GET", "POST"))
@login_required
def api_tokens() -> ResponseReturnValue:
    """The user's API tokens; creating one shows it on this page, once."""
    form = NewTokenForm()
    if form.validate_on_submit():
        ttl = int(current_app.config.get("API_TOKEN_TTL_DAYS") or tokens.DEFAULT_TTL_DAYS)
        _token, raw = tokens.issue_token(
            _registered_user(), name=form.name.data or "API token", ttl_days=ttl
        )
        db.session.commit()
        # Rendered, not flashed: the session cookie is signed, not encrypted.
        return _page(NewTokenForm(formdata=None), new_token=raw)
    return _page(form), (400 if form.errors else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's tokens; calls made with it fail from now on."""
    token = tokens.get_own(_registered_user(), token_id)
    if token is None:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        tokens.revoke(token)
        db.session.commit()
        flash(f"Token “{token.name}” revoked.", "success")
    return redirect(url_for("auth.api_tokens"))
