"""Error pages, as HTML or JSON depending on what the client asked for."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from quizapp.extensions import db

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def _render(code: int, name: str, message: str) -> ResponseReturnValue:
    if _wants_json():
        return jsonify(
            error={"code": name.lower().replace(" ", "_"), "message": message, "field": None}
        ), code
    return render_template("errors/error.html", code=code, name=name, message=message), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> ResponseReturnValue:
    return _render(
        400,
        "Bad Request",
        f"The form expired or was forged: {error.description} "
        "Go back, reload the page and try again.",
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    return _render(code, error.name, error.description or "")


SORRY = "Something went wrong on our side; nothing you sent was half-saved."

# The page when even the error page fails (the database is down: the site header needs the
# signed-in user): no template, no database.
BARE_500 = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error · quizapp</title>"
    f"<main><h1>Internal Server Error</h1><p>{SORRY} Try again in a moment.</p></main></html>"
)


@bp.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError) -> ResponseReturnValue:
    try:
        db.session.rollback()
        return _render(500, "Internal Server Error", SORRY)
    except sa.exc.SQLAlchemyError:
        log.warning("the error page could not reach the database", exc_info=True)
        if _wants_json():
            error_body = {"code": "internal_server_error", "message": SORRY, "field": None}
            return jsonify(error=error_body), 500
        return BARE_500, 500, {"Content-Type": "text/html; charset=utf-8"}
