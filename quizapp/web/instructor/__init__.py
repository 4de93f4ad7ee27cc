"""Instructors: build sets from articles, review generated items, publish."""

from flask import Blueprint

bp = Blueprint("instructor", __name__)

from quizapp.web.instructor import routes  # noqa: E402,F401
