"""Instructors: build sets from articles, author items, import and export banks, publish."""

from flask import Blueprint

bp = Blueprint("instructor", __name__)

from quizapp.web.instructor import banks, classes, items, routes  # noqa: E402,F401
