"""Jinja filters and globals."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup, escape

TYPE_LABELS = {
    "flashcard": "Flashcard", "mcq": "Multiple choice", "multi": "Multiple response",
    "true_false": "True / false", "cloze": "Fill the gap", "matching": "Matching",
    "short_answer": "Short answer", "numerical": "Numerical", "essay": "Essay",
    "description": "Description",
}  # fmt: skip
KIND_LABELS = {
    "takeaways": "Key takeaways", "pros": "Pros", "cons": "Cons", "analysis": "Analysis",
    "other": "Other",
}  # fmt: skip


def highlight(text: str, start: int | None, end: int | None) -> Markup:
    """Escape ``text`` and wrap ``text[start:end]`` in <mark id="highlight">."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return escape(text)
    return Markup('{}<mark id="highlight">{}</mark>{}').format(
        text[:start], text[start:end], text[end:]
    )


def register(app: Flask) -> None:
    """Install the filters used by the templates."""
    app.jinja_env.filters["type_label"] = lambda t: TYPE_LABELS.get(t, t)
    app.jinja_env.filters["kind_label"] = lambda k: KIND_LABELS.get(k, k)
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["date"] = lambda d: (
        d.strftime("%Y-%m-%d %H:%M") if isinstance(d, datetime) else ""
    )
