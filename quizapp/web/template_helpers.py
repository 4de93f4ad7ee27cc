"""Jinja filters and globals."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from flask import Flask
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

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


# Tags an imported or authored rich-text prompt may keep; everything else is stripped by nh3.
RICH_TAGS = {
    "a", "b", "strong", "i", "em", "u", "sub", "sup", "p", "br", "ul", "ol", "li", "code",
    "pre", "blockquote", "span", "div", "table", "thead", "tbody", "tr", "th", "td", "img",
    "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
RICH_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


@cache
def _commonmark() -> MarkdownIt:
    """One parser per process: building it costs twice what rendering a prompt does."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def rich(text: str | None, fmt: str | None = "plain") -> Markup:
    """Render a prompt in its format: HTML and Markdown are sanitised with nh3, plain escaped."""
    import nh3

    text = text or ""
    if fmt == "markdown":
        text, fmt = _commonmark().render(text), "html"
    if fmt in ("html", "moodle"):
        if fmt == "moodle":  # Moodle's auto-format: line breaks are kept
            text = text.replace("\n", "<br>")
        clean = nh3.clean(
            text,
            tags=RICH_TAGS,
            attributes=RICH_ATTRIBUTES,
            url_schemes={"http", "https", "mailto", "data"},
        )
        return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
    return escape(text)


def register(app: Flask) -> None:
    """Install the filters used by the templates."""
    app.jinja_env.filters["type_label"] = lambda t: TYPE_LABELS.get(t, t)
    app.jinja_env.filters["kind_label"] = lambda k: KIND_LABELS.get(k, k)
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["rich"] = rich
    app.jinja_env.filters["date"] = lambda d: (
        d.strftime("%Y-%m-%d %H:%M") if isinstance(d, datetime) else ""
    )
