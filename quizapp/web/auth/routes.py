"""Sign-in, registration and sign-out views."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.extensions import db, limiter
from quizapp.models import User
from quizapp.services import accounts, progress
from quizapp.web.auth import bp
from quizapp.web.auth.forms import (
    DeleteAccountForm,
    EmptyForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    StudySettingsForm,
)
from quizapp.web.security import (
    address_login_limit,
    failed_sign_in,
    login_limit,
    submitted_username,
)


def _safe_next(default: str) -> str:
    """Only follow ``next`` to a path on this site (no open redirects)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(address_login_limit, methods=["POST"])
@limiter.limit(
    login_limit, methods=["POST"], key_func=submitted_username, deduct_when=failed_sign_in
)
def login() -> ResponseReturnValue:
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.username.data or "")
        if user is None or not user.check_password(form.password.data or ""):
            flash("Unknown username or wrong password.", "error")
        else:
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=("GET", "POST"))
@limiter.limit(address_login_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an account; a guest's progress moves into it."""
    form = RegisterForm()
    if form.validate_on_submit():
        guest = current_user if current_user.is_authenticated else None
        try:
            user = accounts.register(
                guest, form.username.data or "", form.password.data or "", form.email.data
            )
        except accounts.AccountError as exc:
            form.username.errors.append(str(exc))
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(_safe_next(url_for("main.index")))
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out and drop the whole session."""
    if EmptyForm().validate_on_submit():
        # Sessions live in signed cookies: bumping the version makes every copy of this
        # session (another tab, a stolen cookie) invalid, not just this browser's.
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        user.session_version += 1
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("main.index"))


def _registered_user() -> User:
    if current_user.is_guest:
        abort(403, "Register first: guests have no password to change.")
    # The real object, not the proxy: login_user() must never store the proxy itself.
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/account", methods=("GET", "POST"))
@login_required
def account() -> ResponseReturnValue:
    """Study settings (retention, new cards per day) and password change."""
    settings = StudySettingsForm(prefix="settings", obj=current_user)
    password = PasswordChangeForm(prefix="password")
    if settings.submit.data and settings.validate_on_submit():
        current_user.desired_retention = float(settings.desired_retention.data)
        current_user.daily_new_limit = settings.daily_new_limit.data
        db.session.commit()
        flash("Study settings saved.", "success")
        return redirect(url_for("auth.account"))
    if password.submit.data and password.validate_on_submit():
        user = _registered_user()
        if not user.check_password(password.current.data or ""):
            password.current.errors.append("That is not your current password.")
        else:
            user.set_password(password.password.data or "")
            user.session_version += 1  # sign out every other session
            db.session.commit()
            login_user(user)
            flash("Password changed. Other sessions were signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        settings=settings,
        password=password,
        delete=DeleteAccountForm(prefix="delete"),
    )


@bp.post("/account/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the account and every answer, card and review of it."""
    form = DeleteAccountForm(prefix="delete")
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if form.validate_on_submit() and (user.is_guest or user.check_password(form.password.data)):
        logout_user()
        progress.delete_account(user)
        db.session.commit()
        session.clear()
        flash("Your account and all its data are deleted.", "success")
        return redirect(url_for("main.index"))
    flash("Not deleted: the password was wrong.", "error")
    return redirect(url_for("auth.account"))
