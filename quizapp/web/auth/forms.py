"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
)
from wtforms.fields import DecimalRangeField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, dot, dash or underscore."),
        ],
        render_kw={"autocomplete": "username"},
    )
    email = EmailField(
        "Email (optional)",
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""

    submit = SubmitField("Submit")


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class StudySettingsForm(FlaskForm):
    desired_retention = DecimalRangeField(
        "Desired retention (how sure you want to be to remember a card when it is due)",
        places=2,
        validators=[NumberRange(min=0.7, max=0.99)],
        render_kw={"step": "0.01"},
    )
    daily_new_limit = IntegerField("New cards per day", validators=[NumberRange(min=0, max=1000)])
    submit = SubmitField("Save study settings")


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password, to confirm",
        validators=[Optional()],  # guests have none; registered users are checked in the view
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Delete my account and all my data")
