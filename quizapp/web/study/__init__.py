"""Learners: set pages, quizzes and flashcards."""

from flask import Blueprint

bp = Blueprint("study", __name__)

from quizapp.web.study import routes  # noqa: E402,F401
