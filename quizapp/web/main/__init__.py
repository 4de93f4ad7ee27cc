"""The public front page: the study sets learners can open."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from quizapp.web.main import routes  # noqa: E402,F401  (routes register on bp)
