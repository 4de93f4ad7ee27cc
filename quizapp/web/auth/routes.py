"""Sign-in, registration and sign-out views."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.extensions import db, limiter
from quizapp.services import accounts
from quizapp.web.auth import bp
from quizapp.web.auth.forms import EmptyForm, LoginForm, RegisterForm


def _safe_next(default: str) -> str:
    """Only follow ``next`` to a path on this site (no open redirects)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(_login_limit, methods=["POST"])
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
@limiter.limit(_login_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an account; a guest's progress moves into it."""
    form = RegisterForm()
    if form.validate_on_submit():
        guest = current_user if current_user.is_authenticated else None
        try:
            user = accounts.register(guest, form.username.data or "", form.password.data or "",
                                     form.email.data)
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
        logout_user()
        session.clear()
    return redirect(url_for("main.index"))
