"""Plain-iframe embedding: minimal quiz and flashcard pages for a set (/embed)."""

from flask import Blueprint

bp = Blueprint("embed", __name__)
