"""Rich text from banks and authors is sanitised before it reaches a page."""

import pytest

from quizapp.web.template_helpers import highlight, rich


@pytest.mark.parametrize(
    ("text", "fmt", "kept", "gone"),
    [
        ("<b>bold</b><script>alert(1)</script>", "html", "<b>bold</b>", "<script"),
        ('<img src="x" onerror="alert(1)">', "html", '<img src="x">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "html", "<a", "javascript:"),
        ("**strong** <iframe src=x></iframe>", "markdown", "<strong>strong</strong>", "<iframe"),
        ("<b>not html</b>", "plain", "&lt;b&gt;", "<b>"),
        ("line one\nline two <i>x</i>", "moodle", "line one<br>line two <i>x</i>", "\n"),
    ],
)
def test_rich_keeps_safe_markup_and_drops_the_rest(text, fmt, kept, gone):
    out = str(rich(text, fmt))
    assert kept in out and gone not in out


def test_highlight_escapes_around_the_mark():
    out = str(highlight("a <b> c", 2, 5))
    assert out == 'a <mark id="highlight">&lt;b&gt;</mark> c'
    assert str(highlight("abc", 5, 9)) == "abc"
