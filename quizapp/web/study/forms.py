"""Learner forms; the answer form is built per item type."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from quizapp.models import Item

# The forms a learner posts most (a rating, an answer, a quiz start) carry no CSRF field of
# their own: CSRFProtect checks every POST's token before the view runs, and their templates
# write the token out with csrf_token(). A field would sign a fresh token on every POST (then
# thrown away with the redirect) and check the same token a second time. The embedded views,
# which are exempt from CSRFProtect, check a signed pass instead (meta=NO_CSRF there too).
TOKEN_CHECKED_BEFORE_THE_VIEW = False


class StartQuizForm(FlaskForm):
    class Meta:
        csrf = TOKEN_CHECKED_BEFORE_THE_VIEW

    mode = RadioField(
        "Mode",
        choices=[
            SelectChoice("practice", "Practice: feedback after every question"),
            SelectChoice("test", "Test: shuffled, feedback at the end"),
        ],
        default="practice",
        validators=[InputRequired()],
    )
    submit = SubmitField("Start quiz")


# A flashcard's ratings: Again, Hard, Good, Easy (the values of fsrs.Rating).
RATINGS = (1, 2, 3, 4)
RATING_ERROR = "Choose a rating from 1 (again) to 4 (easy)."


class ReviewForm(FlaskForm):
    """Rate a flashcard; ``reps`` makes a double-submitted rating count once. Renders the
    embedded card's fields; a posted rating is read with ``posted_rating``."""

    class Meta:
        csrf = TOKEN_CHECKED_BEFORE_THE_VIEW

    rating = IntegerField("Rating", validators=[InputRequired(), AnyOf(RATINGS)])
    reps = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    duration_ms = IntegerField(widget=HiddenInput(), validators=[Optional()])


class PostedRating(NamedTuple):
    rating: int
    reps: int
    duration_ms: int | None


def posted_rating(formdata: Mapping[str, str]) -> PostedRating | None:
    """ReviewForm's fields read from a POST by ReviewForm's rules (rating one of RATINGS,
    reps an integer, duration_ms an integer or empty), or None if one is broken.

    A rating is the request a learner sends most. Binding ReviewForm's three Field objects
    took 4 % of its CPU, to read three integers."""
    rating, reps = _integer(formdata.get("rating")), _integer(formdata.get("reps"))
    duration = (formdata.get("duration_ms") or "").strip()
    duration_ms = _integer(duration) if duration else None
    if rating not in RATINGS or reps is None or (duration and duration_ms is None):
        return None
    return PostedRating(rating, reps, duration_ms)  # type: ignore[arg-type]


def _integer(text: str | None) -> int | None:
    """``text`` as IntegerField reads it (Python's int()), or None."""
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class MatchForm(FlaskForm):
    """A finished Match game's time, filled in by the game's script."""

    elapsed_ms = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=3_600_000)]
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(FlaskForm):
    submit = SubmitField("Submit")


# Question types answered by picking one of the item's choices (a RadioField).
SINGLE_CHOICE_TYPES = ("mcq", "true_false")


def posted_choice(item: Item, formdata: Mapping[str, str]) -> str | None:
    """The answer a multiple-choice or true/false question posted, read by its RadioField's
    rules (given, and one of the item's choices) as ``answer_value`` would return it; None
    when it breaks them (build the form then: it says what is wrong).

    Most answers are choices; binding the form's fields for one posted value took 5 % of
    an answer's CPU."""
    value = formdata.get("answer")
    if item.type not in SINGLE_CHOICE_TYPES or not value or value not in (item.choices or ()):
        return None
    return value.strip()


def answer_form(item: Item, order: list[str] | None = None, **kwargs: Any) -> FlaskForm:
    """A form with the right input for the item type; ``answer_value`` reads it back."""
    gaps = item.prompt.count("_____") if item.type == "cloze" else 0
    pairs = tuple(tuple(pair) for pair in item.pairs) if item.type == "matching" else ()
    form = _answer_form_class(item.type, gaps, pairs)(**kwargs)  # type: ignore[arg-type]
    if item.type in ("mcq", "true_false", "multi"):
        form["answer"].choices = [SelectChoice(c, c) for c in (order or item.choices)]
    return form


@lru_cache(maxsize=512)
def _answer_form_class(kind: str, gaps: int, pairs: tuple[tuple[str, str], ...]) -> type:
    """One form class per item shape, built once: a class per request cost more than the
    rest of the form's work. Choices are the instance's (their order varies by attempt)."""

    class AnswerForm(FlaskForm):
        class Meta:
            csrf = TOKEN_CHECKED_BEFORE_THE_VIEW

        submit = SubmitField("Check answer")

    if kind in ("mcq", "true_false"):
        AnswerForm.answer = RadioField(
            "Your answer", choices=[], validators=[InputRequired("Pick an answer.")]
        )
    elif kind == "multi":
        AnswerForm.answer = MultiCheckboxField(
            "Select all that apply", choices=[], validators=[DataRequired("Pick at least one.")]
        )
    elif kind == "description":
        AnswerForm.submit = SubmitField("Continue")
    elif kind == "essay":
        AnswerForm.answer = TextAreaField(
            "Your answer", validators=[DataRequired("Write your answer."), Length(max=20000)]
        )
    elif kind == "cloze" and gaps > 1:
        for index in range(gaps):
            setattr(
                AnswerForm,
                f"gap_{index}",
                StringField(
                    f"Gap {index + 1}",
                    validators=[DataRequired("Fill every gap."), Length(max=500)],
                ),
            )
    elif kind == "matching":
        rights = sorted({right for _left, right in pairs})
        options = [SelectChoice("", "Choose…")] + [SelectChoice(r, r) for r in rights]
        for index, (left, _right) in enumerate(pairs):
            setattr(
                AnswerForm,
                f"match_{index}",
                SelectField(left, choices=options, validators=[DataRequired("Choose a match.")]),
            )
    else:
        AnswerForm.answer = StringField(
            "Your answer",
            validators=[DataRequired("Type an answer."), Length(max=500)],
            render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"},
        )
    return AnswerForm


def answer_value(item: Item, form: FlaskForm) -> Any:
    """The submitted answer in the API's shape (str, list, or list of pairs)."""
    if item.type == "matching":
        return [[left, form[f"match_{i}"].data] for i, (left, _r) in enumerate(item.pairs)]
    if item.type == "description":
        return ""
    if "gap_0" in form:
        return [(form[f"gap_{i}"].data or "").strip() for i in range(item.prompt.count("_____"))]
    data = form["answer"].data
    return list(data) if item.type == "multi" else (data or "").strip()


class JoinForm(FlaskForm):
    code = StringField(
        "Class code",
        validators=[DataRequired(), Length(min=4, max=32)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    submit = SubmitField("Join class")
