"""Sign-in, registration and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from quizapp.web.auth import routes, tokens  # noqa: E402,F401
