"""Parser tests: structure, offsets, formats and errors, on the seed and on our own articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.domain.articles import (
    Article,
    ArticleError,
    ArticleTooLarge,
    BinaryInput,
    EmptyArticle,
    UnsupportedFormat,
    parse_article,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "question_banks" / "alaska-summit.txt"
DATA = ROOT / "tests" / "data" / "articles"
ARTICLE_FILES = [SEED, *sorted(DATA.iterdir())]


def load(path: Path) -> Article:
    return parse_article(path.read_bytes(), filename=path.name)


def kinds(article: Article) -> list[tuple[str, str, int]]:
    return [(s.kind, s.heading, len(s.entries)) for s in article.sections]


def labels(article: Article, kind: str) -> list[str | None]:
    return [e.label for s in article.sections_of(kind) for e in s.entries]


@pytest.fixture(scope="module")
def seed() -> Article:
    return load(SEED)


# --------------------------------------------------------------------------- the seed


def test_seed_title_and_format(seed: Article) -> None:
    assert seed.format == "text"
    assert seed.title == "Alaska’s Shadow: What Putin Seeks in a High-Stakes Summit with Trump"
    # The repeated title line is dropped: the title appears once, at the very top.
    assert seed.text.startswith(seed.title + "\n\n")
    assert seed.text.count(seed.title) == 1
    assert seed.warnings == []


def test_seed_sections(seed: Article) -> None:
    assert kinds(seed) == [
        ("other", seed.title, 0),
        ("other", "Context & Background", 0),
        ("analysis", "In-Depth Analysis: Putin’s Strategic Aims", 6),
        ("other", "Pros and Cons for Putin", 0),
        ("pros", "Pros for Putin", 5),
        ("cons", "Cons for Putin", 5),
        ("takeaways", "Key Takeaways", 7),
        ("other", "Future Outlook", 0),
        ("other", "Call to Action", 4),
    ]
    (pros,) = seed.sections_of("pros")
    (cons,) = seed.sections_of("cons")
    assert pros.subject == cons.subject == "Putin"
    assert seed.sections_of("takeaways")[0].subject is None


def test_seed_labels(seed: Article) -> None:
    assert labels(seed, "analysis") == [
        "Legitimacy and Recognition",
        "Fracturing Western Alliances",
        "Reshaping the European Security Order",
        "Testing Trump’s Resolve and Leveraging His Pragmatism",
        "Gaining Strategic Advantages in Ukraine",
        "Domestic Political Reinforcement",
    ]
    assert labels(seed, "pros") == [
        "Enhanced Global Standing",
        "Potential for Western Divisions",
        "Opportunity for Unconventional Deal-Making",
        "Domestic Propaganda Victory",
        "Shaping the Narrative",
    ]
    assert labels(seed, "cons") == [
        "Risk of Public Failure",
        "Reinforcing Western Unity",
        "Undermining Russia’s Own Diplomatic Efforts",
        "Unpredictability of Trump",
        "Legitimizing a Non-Official Actor",
    ]
    assert labels(seed, "takeaways") == [None] * 7
    call_to_action = seed.sections[-1]
    assert [e.label for e in call_to_action.entries] == [None] * 4
    assert call_to_action.entries[0].text.startswith("Stay informed by seeking out")


def test_seed_entry_text_excludes_label(seed: Article) -> None:
    first = seed.sections_of("cons")[0].entries[0]
    assert first.text.startswith("If the summit yields no tangible results")
    assert first.label_start is not None
    assert seed.text[first.label_start : first.start] == "Risk of Public Failure: "


def test_seed_paragraphs(seed: Article) -> None:
    context = seed.sections[1]
    assert len(context.paragraphs) == 5
    assert context.paragraphs[0].text.startswith("The ongoing conflict in Ukraine")
    combined = seed.sections[3]
    assert combined.paragraphs[0].text.endswith("considerable risks:")
    assert len(seed.sections[-2].paragraphs) == 3  # Future Outlook


def test_seed_to_dict(seed: Article) -> None:
    data = seed.to_dict()
    assert data["title"] == seed.title
    assert data["format"] == "text"
    section = data["sections"][4]
    assert {"kind", "heading", "subject", "items"} <= section.keys()
    assert section["items"][0] == {
        "label": "Enhanced Global Standing",
        "text": seed.sections[4].entries[0].text,
        "start": seed.sections[4].entries[0].start,
        "end": seed.sections[4].entries[0].end,
        "label_start": seed.sections[4].entries[0].label_start,
    }


# --------------------------------------------------------------------------- offsets


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.name)
def test_offsets_point_at_text(path: Path) -> None:
    article = load(path)
    text = article.text
    for section in article.sections:
        assert 0 <= section.start <= section.end <= len(text)
        assert text[section.heading_start :].startswith(section.heading)
        for entry in section.entries:
            assert text[entry.start : entry.end] == entry.text
            assert section.start <= entry.start and entry.end <= section.end
            if entry.label is not None:
                assert entry.label_start is not None
                assert text[entry.label_start : entry.start] == f"{entry.label}: "
        for paragraph in section.paragraphs:
            assert text[paragraph.start : paragraph.end] == paragraph.text
            assert "\n" not in paragraph.text


# --------------------------------------------------------------------------- own articles


def test_markdown_article() -> None:
    article = load(DATA / "remote-work.md")
    assert article.format == "markdown"
    assert article.title == "Remote Work After the Pandemic: What Companies Learned"
    assert kinds(article) == [
        ("other", article.title, 0),
        ("takeaways", "Key points", 5),
        ("pros", "Advantages of Remote Work", 4),
        ("cons", "Disadvantages of Remote Work", 4),
        ("pros", "Pros", 3),
        ("cons", "Cons", 3),
        ("analysis", "Why Companies Are Hesitant", 3),
        ("other", "How to Start", 3),
        ("other", "Looking Ahead", 0),  # a Setext heading
    ]
    subjects = [(s.kind, s.subject) for s in article.sections if s.kind in ("pros", "cons")]
    assert subjects == [
        ("pros", "Remote Work"),
        ("cons", "Remote Work"),
        ("pros", "Managers"),  # inherited from "Pros and Cons for Managers"
        ("cons", "Managers"),
    ]
    assert labels(article, "analysis") == ["Culture", "Innovation", "Real Estate Commitments"]
    assert labels(article, "cons")[:4] == [
        "Weaker Mentoring",
        "Blurred Boundaries",
        "Isolation",
        "Harder Collaboration",
    ]
    # "- **Label**: text" and a nested bullet folded into its parent entry.
    last_con = article.sections_of("cons")[0].entries[-1]
    assert last_con.text == (
        "Spontaneous problem-solving is rarer on scheduled video calls. "
        "It is especially hard across time zones."
    )
    assert "five years on, remote and hybrid work have settled into a new normal — but" in (
        article.text.lower()
    )
    assert "&mdash;" not in article.text


def test_html_article() -> None:
    article = load(DATA / "four-day-week.html")
    assert article.format == "html"
    assert article.title == "The Four-Day Week: Promise and Pitfalls"
    assert kinds(article) == [
        ("other", article.title, 0),
        ("takeaways", "Key Takeaways", 4),
        ("pros", "Benefits of a Four-Day Week", 4),
        ("cons", "Drawbacks", 3),
        ("analysis", "What Employers Weigh", 3),
        ("pros", "Pros", 3),
        ("cons", "Cons", 2),
        ("analysis", "Glossary", 2),
        ("other", "Final Thoughts", 0),
    ]
    benefits, pros = article.sections_of("pros")
    assert benefits.subject == "Four-Day Week"
    assert pros.subject == "Employees"
    assert article.sections_of("cons")[0].subject is None
    assert labels(article, "pros")[:4] == [
        "Higher Productivity",
        "Better Wellbeing",
        "Easier Recruitment",
        "Lower Absenteeism",
    ]
    # "<b>Label</b>: text" and "<b>Label</b> – text" are labelled too.
    assert labels(article, "cons")[:3] == ["Scheduling Gaps", "Compressed Days", "Uneven Fit"]
    assert labels(article, "analysis") == [
        "Cost",
        "Retention",
        "Customer Coverage",
        "100-80-100 model",
        "Compressed hours",
    ]
    for chrome in ("Daily Planet", "World", "Tracking", "Related stories", "Privacy",
                   "Subscribe", "newsletter", "enable JavaScript", "font-family"):  # fmt: skip
        assert chrome not in article.text
    assert "By Jane Doe · 12 May 2025" in article.text  # entities and NBSP decoded
    assert "won’t suit every employer" in article.text


def test_text_article_with_other_bullets_and_wrapped_lines() -> None:
    article = load(DATA / "school-phones.txt")
    assert article.title == "Should Schools Ban Phones?"
    assert kinds(article) == [
        ("other", article.title, 0),
        ("other", "Background", 0),
        ("pros", "Advantages for schools", 3),
        ("cons", "Disadvantages for schools", 3),
        ("takeaways", "Key Takeaways", 3),
        ("other", "What Parents Can Do", 2),
    ]
    pros, cons = article.sections_of("pros")[0], article.sections_of("cons")[0]
    assert pros.subject == cons.subject == "schools"
    assert labels(article, "pros") == [
        "Fewer distractions",
        "Less cyberbullying during the day",
        "More face-to-face interaction",
    ]
    assert labels(article, "cons") == [
        "Enforcement burden",
        "Emergency contact concerns",
        "Lost learning tools",
    ]
    # Wrapped bullet lines are joined into one entry.
    assert pros.entries[0].text == (
        "Teachers report that lessons run more smoothly when phones are out of sight, "
        "and pupils finish more work."
    )
    assert cons.entries[0].text.endswith("devices, which takes time away from teaching.")
    # Wrapped paragraph lines are joined and entities decoded.
    intro = article.sections[0].paragraphs[1].text
    assert intro.startswith("Across the country, head teachers are deciding whether pupils")
    assert "Parents, R&D firms" in intro
    assert "each school’s leadership team" in article.text
    # Times are not mistaken for labels.
    assert [e.label for e in article.sections[-1].entries] == [None, None]
    assert article.sections[-1].paragraphs[-1].text.startswith("The school board meets at 10:30")


def test_wrapped_lines_and_bullet_styles() -> None:
    text = (
        "Wrapped Article\n\n"
        "This paragraph was hard-wrapped by an email client so that each\n"
        "line is short, and it must come back as one paragraph.\n\n"
        "Benefits\n\n"
        "    ◦ Cheaper: Costs fall because\n"
        "      the wrapped line continues here.\n"
        "    ▪ Faster: Things move quickly.\n\n"
        "Risks\n\n"
        "(1) Fragile: It breaks.\n"
        "(2) Costly to fix: Repairs are slow.\n"
    )
    article = parse_article(text)
    assert article.sections[0].paragraphs[0].text == (
        "This paragraph was hard-wrapped by an email client so that each line is short, "
        "and it must come back as one paragraph."
    )
    assert kinds(article)[1:] == [("pros", "Benefits", 2), ("cons", "Risks", 2)]
    assert (
        article.sections[1].entries[0].text == "Costs fall because the wrapped line continues here."
    )
    assert labels(article, "cons") == ["Fragile", "Costly to fix"]


# --------------------------------------------------------------------------- classification


def test_combined_heading_split_by_intro_and_order() -> None:
    md = (
        "# Title\n\n## Pros and Cons of Solar Panels\n\n"
        "- Free power after installation.\n- Quiet operation.\n\n"
        "However, there are several drawbacks:\n\n"
        "- High upfront cost.\n- Depends on the weather.\n"
    )
    article = parse_article(md, fmt="markdown")
    assert [(s.kind, s.subject, len(s.entries)) for s in article.sections] == [
        ("pros", "Solar Panels", 2),
        ("cons", "Solar Panels", 2),
    ]
    assert article.sections[1].paragraphs[0].text == "However, there are several drawbacks:"


def test_generic_heading_classified_by_intro_sentence() -> None:
    text = (
        "Heat Pumps Explained\n\nWhat Owners Say\n\n"
        "Owners mention a few clear upsides:\n"
        "• Lower bills every winter.\n• Cooling in summer.\n"
    )
    article = parse_article(text)
    (section,) = article.sections
    assert section.kind == "pros"
    assert section.noun == "upside"


@pytest.mark.parametrize(
    ("heading", "kind", "subject"),
    [
        ("Key Takeaways", "takeaways", None),
        ("TL;DR", "takeaways", None),
        ("What you need to know", "takeaways", None),
        ("Advantages of Remote Work", "pros", "Remote Work"),
        ("Benefits", "pros", None),
        ("Upsides for Small Firms", "pros", "Small Firms"),
        ("Cons to Nuclear Power", "cons", "Nuclear Power"),
        ("Drawbacks of the Plan", "cons", "Plan"),
        ("Key Risks", "cons", None),
        ("Putin’s Weaknesses", "cons", "Putin"),
        ("Limitations", "cons", None),
        ("Risks to Watch", "cons", None),
    ],
)
def test_heading_classification(heading: str, kind: str, subject: str | None) -> None:
    md = f"# Title\n\n## {heading}\n\n- First point here.\n- Second point here.\n"
    section = parse_article(md, fmt="markdown").sections[0]
    assert (section.kind, section.subject) == (kind, subject)


def test_labelled_list_without_list_heading_is_analysis() -> None:
    text = (
        "Title\n\nDrivers\n\n- Demand: People want more.\n- Supply: Factories are slow.\n"
        "- Price: Costs went up.\n"
    )
    assert parse_article(text).sections[0].kind == "analysis"


@pytest.mark.parametrize(
    ("bullet", "label", "rest"),
    [
        ("Legitimacy and Recognition: A direct meeting.", "Legitimacy and Recognition",
         "A direct meeting."),
        ("U.S. Policy Shift: Sanctions may ease.", "U.S. Policy Shift", "Sanctions may ease."),
        ("Meet at 10:30 in the hall.", None, "Meet at 10:30 in the hall."),
        ("See https://example.org: it explains more.", None,
         "See https://example.org: it explains more."),
        ("The reason is simple and it is this: costs rise.", None,
         "The reason is simple and it is this: costs rise."),
        ("However, the plan has a flaw: nobody pays.", None,
         "However, the plan has a flaw: nobody pays."),
        ("Fast Delivery – Parcels arrive in a day.", "Fast Delivery", "Parcels arrive in a day."),
        ("It was fine – mostly.", None, "It was fine – mostly."),
    ],
)  # fmt: skip
def test_label_detection(bullet: str, label: str | None, rest: str) -> None:
    article = parse_article(f"Title\n\nNotes\n\n- {bullet}\n- Another entry.\n")
    entry = article.sections[0].entries[0]
    assert (entry.label, entry.text) == (label, rest)


def test_html_nested_unclosed_and_definition_lists() -> None:
    html = (
        "<h1>T</h1><h2>Advantages</h2><ul><li>Speed<ul><li>less waiting</li>"
        "<li>more output</li></ul></li><li>Cost</li></ul>"
        "<h2>Drawbacks</h2><ul><li>One<li>Two<li>Three</ul>"
        "<p><b>Cons:</b></p><ol><li><em>Tiny</em> issue</li></ol>"
    )
    article = parse_article(html, fmt="html")
    assert [(s.kind, [(e.label, e.text) for e in s.entries]) for s in article.sections] == [
        ("pros", [("Speed", "less waiting; more output"), (None, "Cost")]),
        ("cons", [(None, "One"), (None, "Two"), (None, "Three")]),
        ("cons", [(None, "Tiny issue")]),
    ]


def test_html_title_falls_back_to_title_tag() -> None:
    html = (
        "<html><head><title>Bike Lanes Work | City Paper</title></head><body>"
        "<p>Intro text here.</p><h2>Benefits</h2><ul><li>Safer streets.</li></ul></body></html>"
    )
    article = parse_article(html)
    assert article.title == "Bike Lanes Work"
    assert article.sections[-1].kind == "pros"


def test_markdown_bold_pseudo_headings_and_front_matter() -> None:
    md = (
        "---\ntitle: Front Matter Title\nauthor: x\n---\n\n"
        "Intro paragraph.\n\n**Advantages:**\n- A thing.\n- B thing.\n\n"
        "**Disadvantages**\n\n- C thing.\n"
    )
    article = parse_article(md, filename="notes.md")
    assert article.title == "Front Matter Title"
    assert [s.kind for s in article.sections] == ["other", "pros", "cons"]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("data", "filename", "fmt", "expected"),
    [
        ("<p>Hello</p>", None, None, "html"),
        ("<!DOCTYPE html><html><body>Hi</body></html>", None, None, "html"),
        ("# Title\n\nSome text.\n", None, None, "markdown"),
        ("Title\n=====\n\nText.\n", None, None, "markdown"),
        ("Intro\n\n- **Bold:** item\n- other\n", None, None, "markdown"),
        ("Title\n\n• a bullet\n", None, None, "text"),
        ("# Not markdown, the file says text\n", "notes.txt", None, "text"),
        ("plain words", "page.HTM", None, "html"),
        ("plain words", "page.markdown", None, "markdown"),
        ("<p>x</p>", "page.html", "md", "markdown"),
        ("words", "unknown.bin", None, "text"),
    ],
)
def test_format_detection(data: str, filename: str | None, fmt: str | None, expected: str) -> None:
    assert parse_article(data, filename=filename, fmt=fmt).format == expected


def test_unknown_format() -> None:
    with pytest.raises(UnsupportedFormat, match="docx"):
        parse_article("text", fmt="docx")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("data", [b"", "", "   \n\t\n", "\u00a0\u200b", b"\xef\xbb\xbf  "])
def test_empty(data: bytes | str) -> None:
    with pytest.raises(EmptyArticle):
        parse_article(data)


def test_empty_html_body() -> None:
    with pytest.raises(EmptyArticle):
        parse_article("<html><body><script>x()</script><nav>Menu</nav></body></html>")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"abc \x81\x8d\x90 def",  # neither UTF-8 nor cp1252
        "text with \x00 inside",
        bytes(range(1, 32)) * 10,
    ],
)
def test_binary(data: bytes | str) -> None:
    with pytest.raises(BinaryInput):
        parse_article(data)


def test_cp1252_and_bom_are_decoded() -> None:
    assert parse_article(b"Caf\xe9 Notes\n\nIt\x92s fine.\n").title == "Café Notes"
    assert parse_article(b"\xef\xbb\xbfTitle\n\nBody.\n").title == "Title"
    assert parse_article("Title\n\nBody.\n".encode("utf-16")).title == "Title"


def test_too_large_is_checked_first() -> None:
    with pytest.raises(ArticleTooLarge, match=r"2,000 bytes.*1,000 bytes"):
        parse_article(b"\x00" * 2000, max_bytes=1000)
    with pytest.raises(ArticleTooLarge):
        parse_article("é" * 600, max_bytes=1000)  # 1,200 bytes as UTF-8


def test_no_lists_is_a_warning_not_an_error() -> None:
    article = parse_article("Just a Title\n\nOne paragraph. Another sentence.\n\nMore text.\n")
    assert article.warnings == ["no lists found"]
    assert [s.kind for s in article.sections] == ["other"]
    assert len(article.sections[0].paragraphs) == 2


def test_errors_share_a_base_class() -> None:
    for error in (EmptyArticle, BinaryInput, ArticleTooLarge, UnsupportedFormat):
        assert issubclass(error, ArticleError)
        assert issubclass(error, ValueError)


def test_deeply_nested_and_unclosed_html() -> None:
    html = "<h1>Deep</h1>" + "<div>" * 3000 + "<p>Inside.</p>" + "</div>" * 3000
    assert parse_article(html, fmt="html").sections[0].paragraphs[0].text == "Inside."
    html = "<h1>T</h1><h2>Risks</h2><ul>" + "".join(f"<li>item {i}" for i in range(3000))
    (section,) = parse_article(html, fmt="html").sections
    assert (section.kind, len(section.entries), section.entries[-1].text) == (
        "cons",
        3000,
        "item 2999",
    )


# --------------------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(
    list("abc XYZ:;.-*•#<>/&\n\t1)") + ["<p>", "</li>", "<ul>", "**", "## ", "- ", "\u00a0"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(max_size=300), st.lists(_ALPHABET, max_size=80).map("".join)),
    fmt=st.sampled_from([None, "text", "markdown", "html"]),
)
def test_parse_never_raises_anything_but_article_error(text: str, fmt: str | None) -> None:
    try:
        article = parse_article(text, fmt=fmt)
    except ArticleError:
        return
    for section in article.sections:
        for entry in section.entries:
            assert article.text[entry.start : entry.end] == entry.text


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=200))
def test_parse_random_bytes(data: bytes) -> None:
    try:
        parse_article(data)
    except ArticleError:
        pass
