"""Instructor forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError


class ArticleForm(FlaskForm):
    """Paste an article or upload one; one of the two is required."""

    text = TextAreaField(
        "Paste the article (plain text, Markdown or HTML)",
        validators=[Optional(), Length(max=5_000_000)],
    )
    upload = FileField(
        "…or upload a file",
        validators=[
            FileAllowed(
                ["txt", "md", "markdown", "html", "htm"], "Upload a .txt, .md or .html file."
            )
        ],
    )
    seed = IntegerField(
        "Seed (the same seed builds the same set)",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)],
    )
    submit = SubmitField("Build study set")

    def validate_text(self, field: TextAreaField) -> None:
        if not (field.data or "").strip() and not self.upload.data:
            raise ValidationError("Paste an article or choose a file to upload.")


class ItemForm(FlaskForm):
    """Edit a generated item; lists are one entry per line."""

    prompt = TextAreaField("Prompt", validators=[DataRequired(), Length(max=5000)])
    back = TextAreaField("Back of the card (flashcards)", validators=[Optional(), Length(max=5000)])
    choices = TextAreaField("Choices (one per line)", validators=[Optional()])
    answers = TextAreaField("Correct answers (one per line)", validators=[Optional()])
    pairs = TextAreaField("Pairs (one per line: left => right)", validators=[Optional()])
    explanation = TextAreaField("Explanation", validators=[Optional(), Length(max=5000)])
    tags = StringField("Tags (comma separated)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Save item")


class TestSettingsForm(FlaskForm):
    """Test mode: an optional time limit and number of attempts per learner."""

    time_limit_minutes = IntegerField(
        "Time limit in minutes (empty: none)",
        validators=[Optional(), NumberRange(min=1, max=600)],
    )
    max_attempts = IntegerField(
        "Test attempts per learner (empty: unlimited)",
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    submit = SubmitField("Save test settings")


class EmptyForm(FlaskForm):
    submit = SubmitField("Submit")
