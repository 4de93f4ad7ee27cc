"""Instructor forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from quizapp.domain.items import ITEM_TYPES


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
    """Create or edit an item of any type; lists are one entry per line."""

    type = SelectField("Type", choices=[SelectChoice(t, t.replace("_", " ")) for t in ITEM_TYPES])
    prompt = TextAreaField("Prompt", validators=[DataRequired(), Length(max=5000)])
    back = TextAreaField("Back of the card (flashcards)", validators=[Optional(), Length(max=5000)])
    choices = TextAreaField("Choices (one per line)", validators=[Optional()])
    answers = TextAreaField("Correct answers (one per line)", validators=[Optional()])
    pairs = TextAreaField("Pairs (one per line: left => right)", validators=[Optional()])
    feedback = TextAreaField(
        "Feedback per choice (one per line: choice => feedback)", validators=[Optional()]
    )
    numeric = TextAreaField(
        "Numerical answers (one per line: value ± tolerance, or low..high)",
        validators=[Optional()],
    )
    explanation = TextAreaField("Explanation", validators=[Optional(), Length(max=5000)])
    tags = StringField("Tags (comma separated)", validators=[Optional(), Length(max=500)])
    points = DecimalField(
        "Points", default=1, places=2, validators=[Optional(), NumberRange(min=0, max=1000)]
    )
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


FORMAT_LABELS = [
    ("", "Detect from the file"),
    ("gift", "GIFT (Moodle)"),
    ("moodle_xml", "Moodle XML"),
    ("aiken", "Aiken"),
    ("csv", "CSV / TSV (Quizlet, Anki)"),
    ("json", "quizapp JSON"),
]


class BankUploadForm(FlaskForm):
    """Upload a question bank; the next page previews it before anything is saved."""

    upload = FileField(
        "Question bank file",
        validators=[
            FileRequired("Choose a file to upload."),
            FileAllowed(
                ["gift", "txt", "xml", "csv", "tsv", "json", "aiken"],
                "Upload a .gift, .txt, .xml, .csv, .tsv or .json file.",
            ),
        ],
    )
    format = SelectField("Format", choices=[SelectChoice(v, t) for v, t in FORMAT_LABELS])
    set_name = StringField(
        "Add to the set named (empty: a new set named after the file)",
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Preview import")


class ConfirmImportForm(FlaskForm):
    accept_unsupported = BooleanField("Skip the unsupported questions and import the rest")
    submit = SubmitField("Import")


class NewSetForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Create set")


class CourseForm(FlaskForm):
    name = StringField("Class name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Create class")


class AssignForm(FlaskForm):
    set_id = SelectField("Study set", coerce=int)
    due_at = DateTimeLocalField(
        "Due (optional, UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    submit = SubmitField("Assign")


class ShareForm(FlaskForm):
    username = StringField("Instructor's username", validators=[DataRequired(), Length(max=80)])
    submit = SubmitField("Share")


class GradeEssayForm(FlaskForm):
    percent = IntegerField("Score (%)", validators=[DataRequired(), NumberRange(min=0, max=100)])
    feedback = TextAreaField("Feedback", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save grade")


class AnalysisFilterForm(FlaskForm):
    """GET filter for the item analysis (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    which = SelectField(
        "Attempts that count",
        choices=[
            SelectChoice("all", "All attempts"),
            SelectChoice("first", "First attempt"),
            SelectChoice("last", "Last attempt"),
        ],
        default="all",
    )
    practice = BooleanField("Include practice answers")
    course = SelectField("Class", coerce=int, validators=[Optional()])
