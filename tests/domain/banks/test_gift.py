"""GIFT: every question type, Moodle's quirks, line numbers, errors and export."""

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, NumericAnswer, gift

from .support import DATA, canon


@pytest.fixture(scope="module")
def sample():
    return gift.parse((DATA / "sample.gift").read_bytes())


def by_title(result, title):
    return next(item for item in result.items if item.title == title)


def test_sample_types_lines_and_category(sample):
    assert [(i.title, i.type, i.line) for i in sample.items] == [
        ("Capital", "mcq", 6),
        ("Primes", "multi", 13),
        ("Sky", "true_false", 19),
        ("Grant", "short_answer", 21),
        ("Pi", "numerical", 23),
        ("Year", "numerical", 25),
        ("Pairs", "matching", 27),
        ("Gap", "short_answer", 33),
        ("Essay", "essay", 35),
        ("Intro", "description", 37),
        ("Escapes", "true_false", 40),
    ]
    assert {i.category for i in sample.items} == {"Geography"}
    assert sample.problems == [] and sample.unsupported == []


def test_multiple_choice_with_feedback_and_general_feedback(sample):
    item = by_title(sample, "Capital")
    assert item.choices == [
        Choice("Paris", 1.0, "Right!"),
        Choice("Lyon", 0.0, "Lyon is the third city."),
        Choice("Nice"),
    ]
    assert item.general_feedback == "Paris has been the capital since 987."
    assert (item.id_number, item.tags) == ("cap-1", ["europe", "capitals"])
    assert item.prompt_format == "moodle"


def test_weighted_multi_answer_in_html(sample):
    item = by_title(sample, "Primes")
    assert item.prompt == "Pick the <b>primes</b>." and item.prompt_format == "html"
    assert [(c.text, c.fraction) for c in item.choices] == [("2", 0.5), ("3", 0.5), ("4", -1.0)]


def test_true_false_feedback_follows_moodle(sample):
    # {T#a#b}: a is shown for the wrong answer (False), b for the right one (True).
    item = by_title(sample, "Sky")
    assert item.answers == ["True"]
    assert (item.true_feedback, item.false_feedback) == ("Yes.", "Look up!")


def test_short_answer_numerical_and_matching(sample):
    grant = by_title(sample, "Grant")
    assert grant.choices == [Choice("no one", 1.0), Choice("Grant", 0.5, "Half right")]
    assert grant.answers == ["no one", "Grant"]
    assert by_title(sample, "Pi").numeric == [NumericAnswer(3.14, 0.005)]
    year = by_title(sample, "Year").numeric[0]
    assert (year.low, year.high, year.value, year.tolerance) == (1990, 2000, 1995, 5)
    assert by_title(sample, "Pairs").pairs == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("", "Madrid"),
    ]


def test_missing_word_description_and_escapes(sample):
    assert by_title(sample, "Gap").prompt == "The Loire is the _____ river in France."
    assert (
        by_title(sample, "Intro").prompt == "The next questions are about rivers: read carefully."
    )
    assert by_title(sample, "Intro").points == 0
    assert (
        by_title(sample, "Escapes").prompt
        == "Is a {brace} = ~tilde # hash : colon \\ backslash\nnew line?"
    )


def test_errors_are_reported_with_lines_and_the_rest_imports():
    result = gift.parse((DATA / "errors.gift").read_bytes())
    assert [i.title for i in result.items] == ["Fine"]
    found = [(p.line, p.title) for p in result.problems]
    assert found == [
        (2, "Unclosed"),
        (4, "Closer"),
        (8, "Matching bad"),
        (11, "Not a number"),
        (13, "No right answer"),
        (15, "Bad total"),
        (17, "Bad grade"),
        (19, "Two blocks"),
    ]
    messages = [p.message for p in result.problems]
    assert messages[0].startswith("Line 2: unbalanced braces")
    assert "'b 2' has no '->'" in messages[2]
    assert "not a number" in messages[3]
    assert "add up to 90%" in messages[5]
    assert "invalid grade" in messages[6]
    assert "more than one answer block" in messages[7]
    assert [(u.line, u.title, u.qtype) for u in result.unsupported] == [
        (21, "Ordering", "ordering")
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Q{}", "essay"),
        ("Q", "description"),
        ("Q{#1}", "numerical"),
        ("Q{~a =b}", "mcq"),
        ("Q{~%100%a ~b}", "multi"),
        ("Q{=a->1 =b->2}", "matching"),
        ("Q{T}", "true_false"),
        ("Q{FALSE}", "true_false"),
        ("Q{true}", "short_answer"),
        ("Q{=a}", "short_answer"),
        ("Q{a}", "short_answer"),
        ("Q{~a->1 =b->2}", "mcq"),
    ],
)
def test_type_detection_in_moodles_order(text, kind):
    assert gift.parse(text).items[0].type == kind


def test_several_equals_answers_make_one_mcq_with_several_right_answers():
    item = gift.parse("Seasons? {=spring =summer ~easter}").items[0]
    assert item.type == "mcq"
    assert [c.fraction for c in item.choices] == [1.0, 1.0, 0.0]


def test_numerical_wrong_answer_feedback_and_missing_word():
    item = gift.parse('Number from 1 to 5? {#3:2~#Completely wrong}";').items[0]
    assert item.prompt == 'Number from 1 to 5? _____";'
    assert item.numeric == [
        NumericAnswer(3, 2),
        NumericAnswer(None, fraction=0.0, feedback="Completely wrong"),
    ]


def test_categories_without_a_blank_line_and_comments_everywhere():
    text = "// head\n$CATEGORY: $course$/top/A/B\n// c\n::T::Q{T}\n\n$CATEGORY: C\n\nQ2{F}\n"
    result = gift.parse(text)
    assert [(i.title, i.category, i.line) for i in result.items] == [
        ("T", "A/B", 4),
        (None, "C", 8),
    ]


def test_windows_line_endings_and_bom():
    result = gift.parse(b"\xef\xbb\xbf::A::One{T}\r\n\r\n::B::Two{F}\r\n")
    assert [(i.title, i.line) for i in result.items] == [("A", 1), ("B", 3)]


def test_non_utf8_is_rejected_with_the_line():
    with pytest.raises(BankError) as err:
        gift.parse(b"::A::ok{T}\n\n::B::Gr\xf6\xdfe{T}\n")
    assert err.value.line == 3 and "UTF-8" in str(err.value)


def test_indentation_of_continuation_lines_is_kept():
    item = gift.parse("[html]<pre>\n    indented\n</pre>{}").items[0]
    assert item.prompt == "<pre>\n    indented\n</pre>"


# -- export ----------------------------------------------------------------------------------


def test_dump_writes_moodle_style_gift(sample):
    text = gift.dump(sample.items[:1], title="Demo")
    assert text.startswith("// Demo\n\n$CATEGORY: $course$/top/Geography\n\n")
    assert "// [id:cap-1]\n// [tag:europe] [tag:capitals]\n::Capital::What is the capital" in text
    assert "\t=Paris#Right!\n" in text and "\t####Paris has been" in text


def test_dump_maps_flashcards_and_cloze_to_short_answers():
    items = [
        {"type": "flashcard", "prompt": "le chat", "answers": ["the cat"]},
        {"type": "cloze", "prompt": "The _____ is long.", "answers": ["Nile"]},
        {"type": "cloze", "prompt": "_____ and _____", "answers": ["a", "b"]},
    ]
    text = gift.dump(items, title="")
    back = gift.parse(text)
    assert [(i.type, i.prompt, i.answers) for i in back.items] == [
        ("short_answer", "le chat", ["the cat"]),
        ("short_answer", "The _____ is long.", ["Nile"]),
    ]
    assert "// skipped: a cloze question with several gaps cannot be written in GIFT" in text
    assert not gift.can_export(BankItem.from_item_dict(items[2]))


def test_arrows_that_moodle_would_read_as_matching_are_not_exported():
    arrow = BankItem(type="flashcard", prompt="Implication", answers=["A -> B"])
    assert not gift.can_export(arrow)
    text = gift.dump([arrow, BankItem(type="essay", prompt="ok")])
    assert "// skipped: an answer containing '->'" in text
    assert [i.type for i in gift.parse(text).items] == ["essay"]


@pytest.mark.parametrize(
    "prompt",
    [
        "// looks like a comment",
        "[html] looks like a format",
        "::not a title",
        "$CATEGORY: x",
        "braces {} and = ~ # : \\ all escaped",
        "two\nlines",
        "ends with a blank _____",
    ],
)
def test_awkward_prompts_survive_export(prompt):
    item = BankItem(
        type="short_answer",
        prompt=prompt,
        prompt_format="moodle",
        choices=[Choice("x", 1.0)],
        answers=["x"],
    )
    assert gift.parse(gift.dump([item])).items[0].prompt == prompt


def test_round_trip_of_the_sample(sample):
    again = gift.parse(gift.dump(sample.items, title="Sample"))
    assert [canon(i) for i in again.items] == [canon(i) for i in sample.items]
