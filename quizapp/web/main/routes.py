"""Home page."""

from flask import render_template
from flask.typing import ResponseReturnValue

from quizapp.services import sets
from quizapp.web.main import bp


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the published study sets."""
    return render_template("main/index.html", study_sets=sets.published_sets())


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness probe for load balancers."""
    return {"status": "ok"}
