"""LTI forms: the admin's platform registration (CSRF as usual) and the instructor's
in-LMS forms (their CSRF secret is the signed pass, see web/embed/routes.py)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional


class PlatformForm(FlaskForm):
    """Register an LMS by hand, with the values its LTI 1.3 registration shows."""

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    issuer = StringField("Issuer (iss)", validators=[DataRequired(), Length(max=500)])
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=200)])
    deployment_id = StringField("Deployment ID", validators=[Optional(), Length(max=255)])
    auth_login_url = StringField(
        "Authentication (OIDC auth) URL", validators=[DataRequired(), URL(require_tld=False)]
    )
    auth_token_url = StringField(
        "Access token URL", validators=[DataRequired(), URL(require_tld=False)]
    )
    key_set_url = StringField(
        "Public keyset (JWKS) URL", validators=[DataRequired(), URL(require_tld=False)]
    )
    auth_audience = StringField(
        "Token audience (if the LMS names one)", validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Register platform")


class ChooseSetForm(FlaskForm):
    """Pick the study set an LMS link (or a deep-linking request) points to."""

    set_id = IntegerField("Study set", validators=[InputRequired()])
