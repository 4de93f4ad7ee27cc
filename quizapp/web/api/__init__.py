"""The JSON API (/api/v1) for mobile apps, LMS widgets and scripts."""

from flask import Blueprint

bp = Blueprint("api", __name__)
