"""Plain-iframe embedding: minimal quiz and flashcard pages for a set (/embed)."""

from flask import Blueprint

bp = Blueprint("embed", __name__)

from quizapp.web.embed import routes  # noqa: E402,F401  (routes register on bp)
