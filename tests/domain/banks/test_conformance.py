"""Conformance: every file in shared/conformance parses the way its MANIFEST says.

The expectations below are copied from the MANIFESTs (and, for gift-pegjs, checked item by item
against its expected ``.json`` parse trees). Where gift-pegjs and Moodle disagree we expect
what Moodle does; those rows say so.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from quizapp.domain.banks import BankError, BankItem, detect_format, parse_bank
from quizapp.domain.banks.model import normalise_category

from .support import CONFORMANCE, conformance_files, needs_conformance, ws

pytestmark = needs_conformance

# Our type -> the type name the MANIFESTs use (gift-pegjs's vocabulary).
PEGJS_NAME = {
    "mcq": "MC",
    "multi": "MC",
    "true_false": "TF",
    "short_answer": "Short",
    "numerical": "Numerical",
    "matching": "Matching",
    "essay": "Essay",
    "description": "Description",
}

# gift/MANIFEST.md section 3: file -> types (Category counts $CATEGORY lines, not items).
GIFT_TABLE = {
    "gift-pegjs/category1.gift": "Category:1",
    "gift-pegjs/categorySpecialCharacter.gift": "Category:1",
    "gift-pegjs/description1.gift": "Description:1, TF:1",
    "gift-pegjs/descriptionTitleEscapedColon.gift": "Description:1, TF:1",
    "gift-pegjs/descriptionWithID.gift": "Description:1, TF:1",
    "gift-pegjs/escapeAll.gift": "MC:1",
    "gift-pegjs/escapeColon.gift": "MC:1",
    "gift-pegjs/escapeEquals.gift": "MC:1",
    "gift-pegjs/essay1.gift": "Essay:1",
    "gift-pegjs/formatExamples.gift": "MC:1",
    "gift-pegjs/giftFormatPhpExamples.gift": "MC:4, Matching:1, Numerical:2, Short:2, TF:1",
    "gift-pegjs/markdown.gift": "Description:4",
    "gift-pegjs/matching1.gift": "Matching:2",
    "gift-pegjs/mc1.gift": "MC:1",
    "gift-pegjs/mc2.gift": "MC:1",
    "gift-pegjs/mc4.gift": "MC:1",
    "gift-pegjs/mc5.gift": "MC:4",
    "gift-pegjs/mcHTMLComment.gift": "MC:1",
    "gift-pegjs/multiLineFeedback1.gift": "MC:2",
    "gift-pegjs/multipleAnswersFloat.gift": "MC:1",
    "gift-pegjs/newlineAndLaTeX.gift": "Essay:1",
    "gift-pegjs/numerical1.gift": "Numerical:10",
    "gift-pegjs/options1.gift": "MC:8, Numerical:1, Short:4, TF:1",
    "gift-pegjs/shortAnswer1.gift": "Short:2",
    "gift-pegjs/shortAnswer2.gift": "Short:2",
    "gift-pegjs/shortAnswerNotMatching.gift": "MC:2",
    "gift-pegjs/shortFirstEmbedded.gift": "Short:2",
    "gift-pegjs/shortFirstEmbeddedUnderline.gift": "Short:2",
    "gift-pegjs/shortFirstEmbeddedUnderlineHTML.gift": "Short:2",
    "gift-pegjs/symbolsAll.gift": "TF:1",
    "gift-pegjs/tag_id.gift": "Essay:1",
    "gift-pegjs/tag_id_and_two_tags.gift": "Essay:1",
    "gift-pegjs/tag_two_tags.gift": "Essay:1",
    "gift-pegjs/tf1.gift": "TF:1",
    "gift-pegjs/tf1_html.gift": "TF:1",
    "gift-pegjs/tf1_markdown.gift": "TF:1",
    "gift-pegjs/tf2.gift": "TF:2",
    "gift-pegjs/TFTwoFeedback.gift": "TF:3",
    "gift-pegjs/totara_moodle_backslash.gift": "Essay:1",
    "gift-pegjs/totara_moodle_essay.gift": "Essay:1",
    "gift-pegjs/totara_moodle_match.gift": "Matching:1",
    "gift-pegjs/totara_moodle_multichoice.gift": "MC:1",
    "gift-pegjs/totara_moodle_multichoice_multi.gift": "MC:1",
    "gift-pegjs/totara_moodle_numerical.gift": "Numerical:1",
    "gift-pegjs/totara_moodle_pre_content.gift": "Essay:1",
    "gift-pegjs/totara_moodle_shortanswer.gift": "Short:1",
    "gift-pegjs/totara_moodle_shortanswer_general_feedback.gift": "Short:1",
    "gift-pegjs/totara_moodle_truefalse.gift": "TF:1",
    "gift-pegjs/totara_moodle_truefalse_true_answer1.gift": "TF:1",
    "gift-pegjs/totara_moodle_truefalse_true_answer2.gift": "TF:1",
    "gift-pegjs/type_inferred_multiline_markdown.gift": "Short:1",
    "moodle/examples.txt": "MC:18, Matching:3, Numerical:8, Short:9, TF:5",
    # Moodle imports 9 questions; gift-pegjs stops at {#3:2~#Completely wrong}.
    "moodle/questions.gift.txt": "Essay:1, Matching:1, MC:2, Numerical:1, Short:1, TF:3",
    "moodle/questions_in_category.gift.txt": "Category:1, MC:1, Matching:1, Short:1, TF:1",
}
# Moodle rejects the non-UTF-8 file; gift-pegjs would read 4 items from it.
GIFT_ERRORS = {"moodle/questions_encoding_windows-1252.gift.txt": "not UTF-8"}
# Moodle's ordering plugin; gift-pegjs reads these as Short. We list them as unsupported.
GIFT_UNSUPPORTED = {
    "moodle/qtype_ordering-testimport.gift.txt": [(3, "Moodle", "ordering")],
    "moodle/qtype_ordering-testexport.gift.txt": [(3, "Moodle", "ordering")],
}


def gift_path(name: str) -> Path:
    assert CONFORMANCE is not None
    return CONFORMANCE / "gift" / name


def expected_counts(row: str) -> Counter[str]:
    return Counter({k: int(v) for k, v in (part.split(":") for part in row.split(", "))})


def test_every_gift_file_has_an_expectation():
    names = {
        str(p.relative_to(CONFORMANCE / "gift"))
        for p in conformance_files("gift/**/*")
        if p.suffix in (".gift", ".txt")
    }
    assert names == set(GIFT_TABLE) | set(GIFT_ERRORS) | set(GIFT_UNSUPPORTED)


@pytest.mark.parametrize("name", sorted(GIFT_TABLE))
def test_gift_counts_and_types(name):
    data = gift_path(name).read_bytes()
    result = parse_bank(data, "gift")
    got = Counter(PEGJS_NAME[i.type] for i in result.items)
    want = expected_counts(GIFT_TABLE[name])
    categories = want.pop("Category", 0)
    assert got == want
    assert result.problems == [] and result.unsupported == []
    assert all(i.line > 0 for i in result.items)
    assert data.count(b"$CATEGORY:") == categories


@pytest.mark.parametrize("name", sorted(GIFT_ERRORS))
def test_gift_files_moodle_rejects(name):
    with pytest.raises(BankError, match=GIFT_ERRORS[name]) as err:
        parse_bank(gift_path(name).read_bytes(), "gift")
    assert err.value.line == 15  # the line holding the cp1252 byte 0xF6


@pytest.mark.parametrize("name", sorted(GIFT_UNSUPPORTED))
def test_gift_unsupported_types_are_reported(name):
    result = parse_bank(gift_path(name).read_bytes(), "gift")
    assert result.items == [] and result.problems == []
    assert [(u.line, u.title, u.qtype) for u in result.unsupported] == GIFT_UNSUPPORTED[name]
    assert all(f"Line {u.line}:" in u.message for u in result.unsupported)


def test_moodle_questions_gift_details():
    result = parse_bank(gift_path("moodle/questions.gift.txt").read_bytes(), "gift")
    numerical = next(i for i in result.items if i.title == "Q5")
    assert [(n.value, n.tolerance, n.fraction, n.feedback) for n in numerical.numeric] == [
        (3, 2, 1.0, None),
        (None, 0.0, 0.0, "Completely wrong"),
    ]
    tf = next(i for i in result.items if i.title == "Q1")
    assert tf.answers == ["False"] and tf.general_feedback.startswith("This is, of course")
    assert [i.title for i in result.items].count("2-08 TSL") == 2
    categorised = parse_bank(gift_path("moodle/questions_in_category.gift.txt").read_bytes())
    assert {i.category for i in categorised.items} == {"Default for New Features"}


# -- gift-pegjs: item-by-item comparison with the expected parse trees ------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return ws(value["text"] if isinstance(value, dict) else value)


def _fb(text: str | None) -> str | None:
    return ws(text) if text else None


def _fraction(choice: dict[str, Any], default: float) -> float:
    if choice.get("weight") is not None:
        return choice["weight"] / 100
    return 1.0 if choice.get("isCorrect") else default


def _choices_match(expected: list[dict[str, Any]], item: BankItem, default: float) -> None:
    want = [(_text(c["text"]), _fraction(c, default), _text(c["feedback"])) for c in expected]
    got = [(ws(c.text), c.fraction, _fb(c.feedback)) for c in item.choices]
    assert [(t, f) for t, _, f in got] == [(t, f) for t, _, f in want]
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-6)


def _numeric_match(expected: Any, item: BankItem) -> None:
    specs = (
        expected
        if isinstance(expected, list)
        else [{"isCorrect": True, "weight": None, "text": expected, "feedback": None}]
    )
    want: list[tuple[Any, ...]] = []
    for spec in specs:
        t, fraction, feedback = spec["text"], _fraction(spec, 0.0), _text(spec["feedback"])
        if "format" in t:  # {"format", "text": "*"}: any other answer
            want.append(("*", fraction, feedback))
        elif t["type"] == "high-low":
            want.append(("range", t["numberLow"], t["numberHigh"], fraction, feedback))
        else:
            want.append((t["number"], t.get("range", 0), fraction, feedback))
    got: list[tuple[Any, ...]] = []
    for n in item.numeric:
        if n.value is None:
            got.append(("*", n.fraction, _fb(n.feedback)))
        elif n.low is not None:
            got.append(("range", n.low, n.high, n.fraction, _fb(n.feedback)))
        else:
            got.append((n.value, n.tolerance, n.fraction, _fb(n.feedback)))
    assert got == want


def _true_false_match(expected: dict[str, Any], item: BankItem) -> None:
    truth = item.answers == ["True"]
    assert truth == expected["isTrue"]
    # Moodle: {TRUE#a#b} shows a for the wrong answer and b for the right one; gift-pegjs
    # names them trueFeedback/falseFeedback by position. Compare by position.
    wrong, right = (
        (item.false_feedback, item.true_feedback)
        if truth
        else (item.true_feedback, item.false_feedback)
    )
    assert (_fb(wrong), _fb(right)) == (
        _text(expected["trueFeedback"]),
        _text(expected["falseFeedback"]),
    )


def _item_match(expected: dict[str, Any], item: BankItem, category: str | None) -> None:
    assert PEGJS_NAME[item.type] == expected["type"]
    assert item.title == expected.get("title")
    assert ws(item.prompt) == _text(expected["stem"])
    assert item.prompt_format == expected["stem"]["format"]
    assert _fb(item.general_feedback) == _text(expected.get("globalFeedback"))
    assert item.id_number == expected.get("id")
    assert item.tags == (expected.get("tags") or [])
    assert item.category == category
    kind = expected["type"]
    if kind == "MC":
        _choices_match(expected["choices"], item, 0.0)
        # Moodle's single=0 (our "multi") when no answer is marked '=' (isCorrect).
        assert (item.type == "multi") == (not any(c["isCorrect"] for c in expected["choices"]))
    elif kind == "Short":
        _choices_match(expected["choices"], item, 1.0)
    elif kind == "Numerical":
        _numeric_match(expected["choices"], item)
    elif kind == "TF":
        _true_false_match(expected, item)
    elif kind == "Matching":
        assert [(ws(left), ws(right)) for left, right in item.pairs] == [
            (_text(p["subquestion"]), ws(p["subanswer"])) for p in expected["matchPairs"]
        ]


@pytest.mark.parametrize("path", conformance_files("gift/gift-pegjs/*.gift"), ids=lambda p: p.stem)
def test_gift_pegjs_expected_trees(path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    data = path.read_bytes()
    categories = [e for e in expected if e["type"] == "Category"]
    if categories and not [e for e in expected if e["type"] != "Category"]:
        # A file with only a $CATEGORY line: the category applies to a question after it.
        data += b"\n\nProbe{T}\n"
        probe = parse_bank(data, "gift").items[0]
        assert probe.category == normalise_category(categories[-1]["title"])
        return
    items = iter(parse_bank(data, "gift").items)
    category = None
    for entry in expected:
        if entry["type"] == "Category":
            category = normalise_category(entry["title"])
            continue
        _item_match(entry, next(items), category)
    assert next(items, None) is None


# -- Aiken --------------------------------------------------------------------------------------


def aiken(name: str):
    assert CONFORMANCE is not None
    return parse_bank((CONFORMANCE / "aiken" / "moodle" / name).read_bytes(), "aiken")


def test_aiken_happy_path():
    result = aiken("questions.aiken.txt")
    assert [i.type for i in result.items] == ["mcq", "mcq"] and result.problems == []
    first, second = result.items
    assert first.prompt == "The Moodle project was started by:"
    assert [c.text for c in first.choices if c.fraction == 1] == ["Martin Dougiamas"]
    assert '<html class="cool"> & images:' in second.prompt and second.prompt_format == "plain"
    assert [(c.text, c.fraction) for c in second.choices] == [("True", 1.0), ("False", 0.0)]


def test_aiken_errors():
    result = aiken("aiken_errors.txt")
    assert [i.prompt for i in result.items] == [
        "A good question",
        "A second good question",
        "A third good question with HTML chars such as > < &",
    ]
    assert [[(c.text, c.fraction) for c in i.choices] for i in result.items] == [
        [("Correct", 1.0), ("Incorrect", 0.0)],
        [("Incorrect (No space)", 0.0), ("Correct (No space)", 1.0)],
        # Moodle stores these HTML-escaped (&lt; &gt; &amp;); ours are plain text.
        [("Correct (< > &)", 1.0), ("Incorrect (< > &)", 0.0)],
    ]
    assert [(p.line, p.message) for p in result.problems] == [
        (3, "Question must have at least 2 answers on line 3"),
        (5, "Question not started on line 5"),
        (7, "Question not started on line 7"),
        (18, "Question not completed before next question start on line 18"),
    ]


# -- CSV / TSV ----------------------------------------------------------------------------------


def csv_result(name: str):
    assert CONFORMANCE is not None
    path = CONFORMANCE / "csv-tsv" / name
    return parse_bank(path.read_bytes(), "csv", filename=path.name)


def test_anki_text_2fields():
    result = csv_result("anki/text-2fields.txt")
    assert [i.line for i in result.items] == [2, 3, 4, 5, 9]  # 5 notes, as Anki imports
    assert [(i.prompt, i.answers) for i in result.items][-1] == ("遊ぶ", [""])
    assert sorted(p.line for p in result.problems) == [6, 7, 8, 10]
    messages = {p.line: p.message for p in result.problems}
    assert "appeared twice" in messages[6] and "3 fields" in messages[7]
    assert "1 field" in messages[8] and "empty first field" in messages[10]


def test_anki_text_tags_and_update():
    tags = csv_result("anki/text-tags.txt")
    assert [(i.prompt, i.answers, i.tags) for i in tags.items] == [
        ("foo", ["bar"], ["baz,qux"]),
        ("foo2", ["bar2"], ["baz2"]),
    ]
    update = csv_result("anki/text-update.txt")
    assert [(i.prompt, i.answers) for i in update.items] == [("1", ["x"])]


def test_ankidroid_manual_examples():
    single = csv_result("ankidroid/text-anki-manual-csv-single-line.txt")
    assert single.items[0].extra["fields"] == ["foo bar", "bar baz", "baz quux"]
    assert len(single.items) == 2
    multi = csv_result("ankidroid/text-anki-manual-csv-multi-line.txt")
    assert [(i.prompt, i.answers[0]) for i in multi.items] == [
        ("hello", "this is\na two line answer"),
        ("two", "this is a one line one"),
    ]


# -- Moodle XML ---------------------------------------------------------------------------------

# file -> (types, unsupported [(qtype, name)], categories), from moodle-xml/MANIFEST.md.
# An unsupported title of None means "any name" (the 19 STACK questions have 19 names).
XML_TABLE: dict[str, tuple[dict[str, int], list[tuple[str, str | None]], set[str | None]]] = {
    "moodle/truefalse.xml": ({"true_false": 2}, [], {"Default for testhead/TrueFalse"}),
    "moodle/multichoice.xml": ({"mcq": 1}, [], {"Default for testhead/Multichoice"}),
    "moodle/multianswer.xml": ({"cloze": 1}, [], {"Default for Test images in backup"}),
    "moodle/sample_questions_with_old_image_tag.xml": (
        {"cloze": 1, "mcq": 1},
        [],
        {"Default for Test images in backup"},
    ),
    "moodle/category_with_description.xml": ({"true_false": 1}, [], {"Alpha"}),
    "moodle/nested_categories.xml": ({"true_false": 1}, [], {"Delta/Epsilon/Zeta"}),
    "moodle/nested_categories_with_questions.xml": (
        {"true_false": 4, "essay": 1},
        [],
        {"Iota", "Iota/Kappa", "Iota/Kappa/Lambda", "Iota/Mu"},
    ),
    "moodle/old_format_file.xml": ({"true_false": 2}, [], {"Pi", "Pi/Rho"}),
    "moodle/categories_reverse_order.xml": (
        {"essay": 1, "short_answer": 1},
        [],
        {"Sigma", "Sigma/Tau"},
    ),
    "moodle/export_category.xml": ({"true_false": 1}, [], {"Alpha"}),
    "moodle/html_chars_in_idnumbers.xml": ({"true_false": 1}, [], {"Alpha"}),
    "moodle/qtype_truefalse-testquestion.moodle.xml": ({"true_false": 1}, [], {"Test questions"}),
    "moodle/qtype_multichoice-testquestion.moodle.xml": ({"multi": 1}, [], {"Default for C1"}),
    "moodle/qtype_shortanswer-testquestion.moodle.xml": (
        {"short_answer": 1},
        [],
        {"Test questions"},
    ),
    "moodle/qtype_numerical-testquestion.moodle.xml": ({"numerical": 1}, [], {"Default for C1"}),
    "moodle/qtype_essay-testquestion.moodle.xml": ({"essay": 1}, [], {"Default for C1"}),
    "moodle/qtype_match-testquestion.moodle.xml": ({"matching": 1}, [], {"Test questions"}),
    "moodle/qtype_description-testquestion.moodle.xml": (
        {"description": 1},
        [],
        {"Default for C1"},
    ),
    "moodle/qtype_gapselect-testquestion.moodle.xml": (
        {},
        [("gapselect", "Imported Select missing words 001")],
        set(),
    ),
    # Upstream's ddwtos fixture declares type="gapselect".
    "moodle/qtype_ddwtos-testquestion.moodle.xml": (
        {},
        [("gapselect", "Imported Drag and drop into text 001")],
        set(),
    ),
    "moodle/qtype_ddimageortext-testquestion.moodle.xml": (
        {},
        [("ddimageortext", "Imported Drag and drop onto image 001")],
        set(),
    ),
    "moodle/qtype_ddmarker-testquestion.moodle.xml": (
        {},
        [("ddmarker", "Milton Keynes landmarks")],
        set(),
    ),
    "moodle/qtype_ordering-testquestion.moodle.xml": ({}, [("ordering", "dd-ordering 1")], set()),
    "moodle/qtype_ordering-testoldquestion.moodle.xml": (
        {},
        [("ordering", "dd-ordering old question")],
        set(),
    ),
    "moodle/qtype_ordering-testimport.moodle.xml": ({}, [("ordering", "Moodle")], set()),
    "moodle/qtype_ordering-testimportlong.moodle.xml": (
        {},
        [("ordering", " ".join(["Moodle"] * 7))],
        set(),
    ),
    "moodle/qtype_ordering-testexport.moodle.xml": ({}, [("ordering", "Moodle")], set()),
    "moodle/lib_tests-sample_questions.xml": ({}, [("stack", None)] * 19, set()),
    "moodle-main/category_with_description.xml": ({"true_false": 1}, [], {"Alpha"}),
    "moodle-main/nested_categories.xml": ({"true_false": 1}, [], {"Delta/Epsilon/Zeta"}),
    "moodle-main/deprecated_category.xml": ({"true_false": 1}, [], {"Alpha"}),
}
# file -> message fragments of the problems Moodle reports (0 questions imported).
XML_PROBLEMS = {
    "moodle/error_invalid_grades.xml": ["invalid grade(s) 33%"],
    "moodle/broken_cloze_questions.xml": [
        "must include at least one embedded answer",
        "requires at least 2 choices",
        "requires at least 2 choices",
        "should have a score of 100%",
        "must be a number",
    ],
}
XML_ERRORS = {"moodle/lib_tests-sample_questions_wrong.xml": (18, "mismatched tag")}


def xml_path(name: str) -> Path:
    assert CONFORMANCE is not None
    return CONFORMANCE / "moodle-xml" / name


def test_every_xml_file_has_an_expectation():
    names = {
        str(p.relative_to(CONFORMANCE / "moodle-xml"))
        for p in conformance_files("moodle-xml/**/*.xml")
    }
    assert names == set(XML_TABLE) | set(XML_PROBLEMS) | set(XML_ERRORS)


@pytest.mark.parametrize("name", sorted(XML_TABLE))
def test_moodle_xml_counts_types_and_unsupported(name):
    types, unsupported, categories = XML_TABLE[name]
    result = parse_bank(xml_path(name).read_bytes(), "moodle_xml")
    assert Counter(i.type for i in result.items) == Counter(types)
    assert {i.category for i in result.items} == categories
    assert result.problems == []
    assert len(result.unsupported) == len(unsupported)
    for problem, (qtype, title) in zip(result.unsupported, unsupported, strict=True):
        assert problem.qtype == qtype and problem.title == (title or problem.title)
        assert problem.title and problem.line > 0 and f"Line {problem.line}:" in problem.message
    assert all(i.line > 0 for i in result.items)


@pytest.mark.parametrize("name", sorted(XML_PROBLEMS))
def test_moodle_xml_files_moodle_refuses(name):
    result = parse_bank(xml_path(name).read_bytes(), "moodle_xml")
    assert result.items == []
    assert len(result.problems) == len(XML_PROBLEMS[name])
    for problem, fragment in zip(result.problems, XML_PROBLEMS[name], strict=True):
        assert fragment in problem.message and f"Line {problem.line}:" in problem.message


@pytest.mark.parametrize("name", sorted(XML_ERRORS))
def test_malformed_moodle_xml(name):
    line, fragment = XML_ERRORS[name]
    with pytest.raises(BankError, match=fragment) as err:
        parse_bank(xml_path(name).read_bytes(), "moodle_xml")
    assert err.value.line == line


def test_moodle_xml_details():
    shortanswer = parse_bank(
        xml_path("moodle/qtype_shortanswer-testquestion.moodle.xml").read_bytes()
    ).items[0]
    assert [(c.text, c.fraction) for c in shortanswer.choices] == [
        ("frog", 1.0),
        ("toad", 0.8),
        ("*", 0.0),
    ]
    numerical = parse_bank(
        xml_path("moodle/qtype_numerical-testquestion.moodle.xml").read_bytes()
    ).items[0]
    assert (numerical.numeric[0].value, numerical.numeric[0].tolerance) == (6.25, 0.05)
    match = parse_bank(xml_path("moodle/qtype_match-testquestion.moodle.xml").read_bytes())
    assert match.items[0].pairs[-1] == ("", "insect")  # a distractor
    tf = parse_bank(xml_path("moodle/truefalse.xml").read_bytes()).items
    assert [(i.title, i.answers) for i in tf] == [
        ("Moodle acronym (False)", ["False"]),
        ("Moodle acronym (True)", ["True"]),
    ]
    cloze = parse_bank(xml_path("moodle/multianswer.xml").read_bytes()).items[0]
    assert cloze.title == "cloze with images" and cloze.prompt.count("_____") == len(cloze.answers)
    grades = parse_bank(xml_path("moodle/error_invalid_grades.xml").read_bytes())
    assert grades.problems[0].title == "Question with invalid grades : x > 1 & x < 2"


# -- format detection ---------------------------------------------------------------------------

DETECTED = {"gift": "gift", "aiken": "aiken", "csv-tsv": "csv", "moodle-xml": "moodle_xml"}


@pytest.mark.parametrize(
    "path",
    [p for p in conformance_files("**/*") if p.is_file() and p.suffix not in (".md", ".json")],
    ids=lambda p: str(p.relative_to(CONFORMANCE)),
)
def test_format_detection(path):
    expected = DETECTED[path.relative_to(CONFORMANCE).parts[0]]
    data = path.read_bytes()
    assert detect_format(data, path.name) == expected
    assert detect_format(data, None) == expected  # by content alone
