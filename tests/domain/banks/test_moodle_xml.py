"""Moodle XML: safe parsing, every supported type, line numbers, cloze, and export."""

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, NumericAnswer, moodle_xml
from quizapp.domain.banks.moodle_xml import QuestionError, build_cloze, parse_cloze, read_tree

from .support import DATA, canon


@pytest.fixture(scope="module")
def sample():
    return moodle_xml.parse((DATA / "sample_moodle.xml").read_bytes())


def test_sample(sample):
    assert [(i.type, i.title, i.line, i.category) for i in sample.items] == [
        ("mcq", "Longest", 6, "Rivers"),
        ("true_false", "Flows north", 16, "Rivers"),
        ("numerical", "Length", 22, "Rivers"),
        ("cloze", "Cloze", 28, "Rivers"),
    ]
    mcq = sample.items[0]
    assert mcq.prompt == "<p>Which is the <b>longest</b> river?</p>"
    assert (mcq.prompt_format, mcq.points, mcq.tags) == ("html", 2.0, ["rivers"])
    assert mcq.choices == [Choice("Nile", 1.0, "Yes"), Choice("Thames", 0.0)]
    assert mcq.general_feedback == "The Nile, by most measures."
    tf = sample.items[1]
    assert (tf.answers, tf.true_feedback, tf.false_feedback, tf.prompt_format) == (
        ["True"],
        "Right.",
        "It does flow north.",
        "moodle",
    )
    assert sample.items[2].numeric == [
        NumericAnswer(6.65, 0.1),
        NumericAnswer(None, 0.0, fraction=0.0, feedback="Look it up."),
    ]


def test_cloze_becomes_gaps(sample):
    cloze = sample.items[3]
    assert cloze.prompt == "The _____ ends in _____."
    assert cloze.answers == ["Nile", "Egypt"]
    gaps = cloze.extra["gaps"]
    assert [g["type"] for g in gaps] == ["SHORTANSWER", "MULTICHOICE"]
    assert gaps[0]["alternatives"][1] == {"text": "Nil", "fraction": 0.5, "feedback": "close"}


def test_unsupported_types_are_listed_with_line_and_name(sample):
    assert [(u.line, u.title, u.qtype) for u in sample.unsupported] == [(32, "Speed", "calculated")]
    assert "calculated" in sample.unsupported[0].message


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_dtds_and_entities_are_refused_not_expanded(name):
    with pytest.raises(BankError) as err:
        moodle_xml.parse((DATA / name).read_bytes())
    assert "DTD" in str(err.value) and err.value.line == 2


def test_malformed_xml_names_the_line():
    with pytest.raises(BankError) as err:
        moodle_xml.parse(b"<quiz>\n<question type='essay'>\n</quiz>")
    assert err.value.line == 3 and "mismatched tag" in str(err.value)


@pytest.mark.parametrize("data", [b"", b"<html><body/></html>", b"just text"])
def test_not_moodle_xml(data):
    with pytest.raises(BankError):
        moodle_xml.parse(data)


def test_invalid_grades_and_incomplete_grades_skip_the_question():
    xml = """<quiz><question type="multichoice"><name><text>Q</text></name>
    <questiontext><text>?</text></questiontext><single>false</single>
    <answer fraction="33"><text>a</text></answer><answer fraction="67"><text>b</text></answer>
    </question><question type="shortanswer"><name><text>S</text></name>
    <questiontext><text>?</text></questiontext>
    <answer fraction="50"><text>half</text></answer></question></quiz>"""
    result = moodle_xml.parse(xml)
    assert result.items == []
    assert "invalid grade(s) 33%, 67%" in result.problems[0].message
    assert "100%" in result.problems[1].message and result.problems[1].line == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("No gaps here", "at least one embedded answer"),
        ("{1:MULTICHOICE}", "at least 2 choices"),
        ("{1:MC:=only}", "at least 2 choices"),
        ("{1:SA:%50%half}", "score of 100%"),
        ("{1:NM:=zero}", "must be a number"),
    ],
)
def test_broken_cloze(text, message):
    with pytest.raises(QuestionError, match=message):
        parse_cloze(text)


def test_cloze_escapes_and_numerical_gaps():
    prompt, gaps = parse_cloze(r"{2:SA:=a\}b\#c\~d#fb} and {:NUMERICAL:=3.5:0.1~%50%3}")
    assert prompt == "_____ and _____"
    assert [g["answer"] for g in gaps] == ["a}b#c~d", "3.5"]
    assert gaps[0]["weight"] == 2 and gaps[0]["alternatives"][0]["feedback"] == "fb"


def test_build_cloze_from_an_app_item_and_from_the_original():
    item = BankItem(type="cloze", prompt="The _____ is {long}.", answers=["Ni}le"])
    assert build_cloze(item) == r"The {1:SHORTANSWER:=Ni\}le} is {long}."
    parsed = moodle_xml.parse(moodle_xml.dump([item])).items[0]
    assert (parsed.prompt, parsed.answers) == (item.prompt, item.answers)
    original = "A {1:MC:=x~y} b"
    item = BankItem(type="cloze", prompt="A _____ b", answers=["x"], extra={"cloze_text": original})
    assert build_cloze(item) == original


def test_dump_layout_and_flashcards_as_short_answer():
    items = [
        BankItem(
            type="flashcard",
            title="Cat",
            prompt="le chat",
            answers=["the cat"],
            category="French",
            id_number="c1",
            tags=["animals"],
        ),
        BankItem(type="mcq", prompt="x < y & z?", choices=[Choice("yes", 1.0), Choice("no")]),
    ]
    text = moodle_xml.dump(items, title="Demo -- set")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n<!-- Demo - - set')
    assert "<text>$course$/top/French</text>" in text
    assert '<question type="shortanswer">' in text and "<idnumber>c1</idnumber>" in text
    assert "<text><![CDATA[x < y & z?]]></text>" in text
    tree = read_tree(text)
    assert [q.attrs["type"] for q in tree.findall("question")] == [
        "category",
        "shortanswer",
        "multichoice",
    ]
    back = moodle_xml.parse(text).items
    assert (back[0].type, back[0].answers, back[0].tags) == (
        "short_answer",
        ["the cat"],
        ["animals"],
    )
    assert back[1].title == "x < y & z?"  # Moodle needs a name: the start of the text


def test_round_trip_of_the_sample(sample):
    again = moodle_xml.parse(moodle_xml.dump(sample.items, title="Sample"))
    assert [canon(i) for i in again.items] == [canon(i) for i in sample.items]


def test_control_characters_are_dropped_from_output():
    item = BankItem(type="essay", prompt="bell\x07 and\x00 null")
    assert moodle_xml.parse(moodle_xml.dump([item])).items[0].prompt == "bell and null"
