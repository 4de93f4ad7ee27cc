"""The JSON API (/api/v1) for mobile apps, LMS widgets and scripts."""

from flask import Blueprint

from quizapp.extensions import csrf

bp = Blueprint("api", __name__)
# Bearer-token calls need no CSRF token; cookie-authenticated calls are checked in auth.py.
csrf.exempt(bp)

from quizapp.web.api import (  # noqa: E402,F401
    auth,
    common,
    instructor,
    learner,
    openapi,
    tokens,
)
