"""Property tests: any input gives a ParseResult or a BankError, and exports read back.

Uploads are untrusted, so no input may crash a parser with another exception. The second half
checks that what we write for random items is read back as the same items.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.domain.banks import (
    BankError,
    BankItem,
    Choice,
    NumericAnswer,
    ParseResult,
    aiken,
    csv_tsv,
    detect_format,
    gift,
    moodle_xml,
    parse_bank,
    quizapp_json,
)

from .support import canon

PARSERS = {
    "gift": gift.parse,
    "aiken": aiken.parse,
    "moodle_xml": moodle_xml.parse,
    "csv": csv_tsv.parse,
    "json": quizapp_json.parse,
}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_refuses(fmt: str, data: bytes | str) -> None:
    try:
        result = PARSERS[fmt](data)
    except BankError as exc:
        assert exc.message
        return
    assert isinstance(result, ParseResult)
    for problem in result.problems + result.unsupported:
        assert problem.line >= 0 and problem.message
    for item in result.items:
        assert item.line >= 1


@FAST
@given(st.sampled_from(sorted(PARSERS)), st.binary(max_size=600))
def test_random_bytes(fmt, data):
    parses_or_refuses(fmt, data)


GIFT_ALPHABET = st.sampled_from(
    list("{}=~#:\\%->[]$/.\n \tTFab01")
    + [
        "::",
        "//",
        "####",
        "$CATEGORY:",
        "[html]",
        "[markdown]",
        "\\n",
        "->",
        "%50%",
        "%-100%",
        "..",
        "\n\n",
        "TRUE",
        "FALSE",
        "_____",
        "\r\n",
        "é",
        "\ufdd0",
    ]
)


@FAST
@given(st.lists(GIFT_ALPHABET, max_size=80).map("".join))
def test_gift_like_text(text):
    parses_or_refuses("gift", text)
    parses_or_refuses("gift", text.encode("utf-8", "surrogatepass"))


AIKEN_LINES = st.sampled_from(
    [
        "Question?",
        "A) one",
        "B. two",
        "C)three",
        "ANSWER: A",
        "ANSWER: Z",
        "ANSWER:",
        "",
        "Z",
        "  B) spaced",
    ]
)


@FAST
@given(st.lists(AIKEN_LINES, max_size=20).map("\n".join))
def test_aiken_like_text(text):
    parses_or_refuses("aiken", text)


CSV_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "\t",
        ",",
        ";",
        "|",
        '"',
        '""',
        "\n",
        "\r",
        "#",
        "#separator:",
        "#html:true\n",
        "#tags column:",
        "3",
        "0",
        "#columns:",
        "Tags",
        " ",
    ]
)


@FAST
@given(st.lists(CSV_PIECES, max_size=60).map("".join))
def test_csv_like_text(text):
    parses_or_refuses("csv", text)


XML_BODIES = st.sampled_from(
    [
        "<name><text>{t}</text></name><questiontext format='html'><text>{t}</text></questiontext>",
        "<answer fraction='{t}'><text>{t}</text><tolerance>{t}</tolerance></answer>",
        "<single>{t}</single>",
        "<subquestion><text>{t}</text></subquestion>",
        "<defaultgrade>{t}</defaultgrade>",
        "<category><text>{t}</text></category>",
        "<answer><text>{t}</text></answer>",
        "<tags><tag><text>{t}</text></tag></tags>",
    ]
)
QTYPES = st.sampled_from(
    [
        "multichoice",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
        "essay",
        "description",
        "cloze",
        "category",
        "ordering",
        "",
    ]
)
XML_TEXT = st.lists(
    st.sampled_from(
        list("ab1.-%:=~#{}\\ ")
        + [
            "{1:SA:=x}",
            "{1:MC:=a~b}",
            "{1:NM:=1:0}",
            "{:MULTICHOICE}",
            "100",
            "33.33333",
            "*",
            "true",
            "&",
            "_____",
        ]
    ),
    max_size=20,
).map("".join)


@FAST
@given(
    st.lists(st.tuples(QTYPES, st.lists(st.tuples(XML_BODIES, XML_TEXT), max_size=6)), max_size=4)
)
def test_moodle_xml_like_documents(questions):
    body = "".join(
        f'<question type="{qtype}">'
        + "".join(
            template.replace("{t}", text.replace("&", "&amp;").replace("<", "&lt;"))
            for template, text in parts
        )
        + "</question>"
        for qtype, parts in questions
    )
    parses_or_refuses("moodle_xml", f"<quiz>{body}</quiz>")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "prompt",
                    "choices",
                    "answers",
                    "pairs",
                    "numeric",
                    "weights",
                    "feedback",
                    "tags",
                    "points",
                    "extra",
                    "text",
                    "fraction",
                    "value",
                    "low",
                    "high",
                    "title",
                    "explanation",
                    "prompt_format",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
ITEM_TYPE = st.sampled_from(
    [
        "mcq",
        "multi",
        "true_false",
        "short_answer",
        "numerical",
        "matching",
        "cloze",
        "essay",
        "description",
        "flashcard",
        "x",
    ]
)


@FAST
@given(
    st.lists(
        st.one_of(
            JSON_VALUES,
            st.fixed_dictionaries(
                {"type": ITEM_TYPE},
                optional={
                    "prompt": JSON_VALUES,
                    "choices": JSON_VALUES,
                    "answers": JSON_VALUES,
                    "pairs": JSON_VALUES,
                    "numeric": JSON_VALUES,
                    "weights": JSON_VALUES,
                },
            ),
        ),
        max_size=5,
    ),
    st.sampled_from([1, 2, "1", None]),
)
def test_json_like_documents(items, version):
    doc = {"format": "quizapp", "version": version, "items": items}
    parses_or_refuses("json", json.dumps(doc))


@FAST
@given(
    st.binary(max_size=300),
    st.sampled_from(
        [None, "a.gift", "a.xml", "a.csv", "a.txt", "a.json", "a.apkg", "a.zip", "noext"]
    ),
)
def test_registry_never_crashes(data, filename):
    try:
        fmt = detect_format(data, filename)
        result = parse_bank(data, fmt, filename)
    except BankError:
        return
    assert result.format == fmt


# -- export -> import keeps the items ---------------------------------------------------------

WORD = (
    st.lists(
        st.sampled_from(
            list("abcXYZ019 .,;!?'\"()/*+&<>@$%^_|")
            + ["{", "}", "=", "~", "#", ":", "\\", "[", "]", "->", "é", "’"]
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .map(str.strip)
    .filter(bool)
)
TEXT = st.lists(WORD, min_size=1, max_size=3).map("\n".join)
TITLE = st.none() | st.text(alphabet="abc XYZ019-:", min_size=1, max_size=10).map(
    lambda t: " ".join(t.split()) or None
)
FEEDBACK = st.none() | TEXT
FRACTION = st.sampled_from([1.0, 0.5, 1 / 3, 0.25, 0.2, 0.1, 0.0, -0.5, -1.0])
FORMAT = st.sampled_from(["plain", "html", "markdown", "moodle"])


@st.composite
def gift_items(draw: st.DrawFn) -> BankItem:
    """Random items GIFT can hold exactly (texts already trimmed, grades on Moodle's list)."""
    kind = draw(
        st.sampled_from(
            [
                "mcq",
                "multi",
                "true_false",
                "short_answer",
                "numerical",
                "matching",
                "essay",
                "description",
            ]
        )
    )
    item = BankItem(
        type=kind,
        title=draw(TITLE),
        prompt=draw(TEXT),
        prompt_format=draw(FORMAT),
        general_feedback=draw(FEEDBACK) if kind != "description" else None,
        tags=draw(st.lists(st.sampled_from(["t1", "t-2"]), max_size=2, unique=True)),
        id_number=draw(st.none() | st.sampled_from(["id1", "x]y"])),
        points=0.0 if kind == "description" else 1.0,
    )
    texts = st.lists(WORD, min_size=2, max_size=4, unique=True)
    if kind == "mcq":
        words = draw(texts)
        item.choices = [
            Choice(w, 1.0 if i == 0 else 0.0, draw(FEEDBACK)) for i, w in enumerate(words)
        ]
    elif kind == "multi":
        words = draw(texts)
        share = 1 / len(words[:2])
        item.choices = [
            Choice(w, share if i < 2 else draw(st.sampled_from([0.0, -1.0])), draw(FEEDBACK))
            for i, w in enumerate(words)
        ]
    elif kind == "true_false":
        item.answers = [draw(st.sampled_from(["True", "False"]))]
        item.true_feedback, item.false_feedback = draw(FEEDBACK), draw(FEEDBACK)
    elif kind == "short_answer":
        words = draw(texts.map(lambda ws: [w for w in ws if "->" not in w]).filter(bool))
        item.choices = [
            Choice(w, 1.0 if i == 0 else draw(FRACTION), draw(FEEDBACK))
            for i, w in enumerate(words)
        ]
        item.answers = [c.text for c in item.choices if c.fraction > 0]
    elif kind == "numerical":
        value = draw(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)))
        item.numeric = [
            NumericAnswer(value, draw(st.sampled_from([0.0, 0.5, 2.0])), feedback=draw(FEEDBACK))
        ]
    elif kind == "matching":
        lefts = draw(
            st.lists(WORD.filter(lambda w: "->" not in w), min_size=2, max_size=3, unique=True)
        )
        item.pairs = [(left, draw(WORD)) for left in lefts]
    return item


@settings(max_examples=80, deadline=None)
@given(st.lists(gift_items(), min_size=1, max_size=4))
def test_gift_export_reads_back(items):
    result = gift.parse(gift.dump(items, title="t"))
    assert result.problems == []
    # Items GIFT cannot hold are left out with a comment, never written wrongly.
    assert [canon(i) for i in result.items] == [canon(i) for i in items if gift.can_export(i)]


@settings(max_examples=60, deadline=None)
@given(st.lists(gift_items(), min_size=1, max_size=4))
def test_moodle_xml_and_json_exports_read_back(items):
    for module in (moodle_xml, quizapp_json):
        result = module.parse(module.dump(items, title="t"))
        assert result.problems == []
        expected = [canon(i) for i in items]
        if module is moodle_xml:  # Moodle needs a name; untitled items are named after the text
            for want, item in zip(expected, items, strict=True):
                want["title"] = moodle_xml.default_name(item)
        assert [canon(i) for i in result.items] == expected
