"""LTI 1.3 Advantage tool: OIDC login, launch, JWKS, deep linking, AGS and NRPS (/lti)."""

from flask import Blueprint

bp = Blueprint("lti", __name__)

from quizapp.web.lti import routes  # noqa: E402,F401  (routes register on bp)
