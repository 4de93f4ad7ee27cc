"""BankItem <-> the app's item dict: every type survives the trip, and defaults are sensible."""

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, NumericAnswer
from quizapp.domain.banks.model import (
    choice_problem,
    clean_name,
    format_number,
    format_percent,
    front_back,
    html_to_text,
    normalise_category,
    parse_number,
)
from quizapp.domain.items import validate_item

from .support import canon

ITEMS = [
    BankItem(type="flashcard", prompt="le chat", answers=["the cat"], tags=["fr"]),
    BankItem(
        type="mcq",
        title="Capital",
        prompt="Capital of France?",
        choices=[Choice("Paris", 1.0, "Right"), Choice("Lyon", 0.0, "Third city"), Choice("Nice")],
        general_feedback="Since 987.",
    ),
    BankItem(
        type="multi",
        prompt="Primes?",
        choices=[Choice("2", 0.5), Choice("3", 0.5), Choice("4", -1.0, "Even")],
    ),
    BankItem(
        type="true_false",
        prompt="Sky is blue",
        answers=["False"],
        true_feedback="Look again",
        false_feedback="Right",
    ),
    BankItem(
        type="short_answer",
        prompt="Buried?",
        choices=[Choice("no one", 1.0), Choice("Grant", 0.5, "Half"), Choice("*", 0.0, "No")],
        answers=["no one", "Grant"],
    ),
    BankItem(
        type="numerical",
        prompt="Pi?",
        numeric=[NumericAnswer(3.14, 0.01, feedback="ok"), NumericAnswer(None, fraction=0.0)],
    ),
    BankItem(type="matching", prompt="Match", pairs=[("a", "1"), ("b", "2"), ("", "3")]),
    BankItem(type="cloze", prompt="The _____ is long.", answers=["Nile"]),
    BankItem(type="essay", prompt="Write."),
    BankItem(type="description", prompt="Read.", points=0.0),
]


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.type)
def test_item_dict_round_trip(item):
    back = BankItem.from_item_dict(item.to_item_dict())
    assert canon(back) == canon(item)


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.type)
def test_item_dicts_pass_the_apps_validation(item):
    assert validate_item(item.to_item_dict()) == []


def test_item_dict_shape():
    d = ITEMS[1].to_item_dict()
    assert d["choices"] == ["Paris", "Lyon", "Nice"]
    assert d["answers"] == ["Paris"]
    assert d["weights"] == {"Paris": 1.0, "Lyon": 0.0, "Nice": 0.0}
    assert d["feedback"] == {"Paris": "Right", "Lyon": "Third city"}
    assert d["explanation"] == "Since 987." == d["general_feedback"]
    tf = ITEMS[3].to_item_dict()
    assert (tf["choices"], tf["answers"]) == (["True", "False"], ["False"])
    assert tf["feedback"] == {"True": "Look again", "False": "Right"}
    assert ITEMS[0].to_item_dict()["back"] == "the cat"


def test_matching_distractors_stay_out_of_pairs():
    d = ITEMS[6].to_item_dict()
    assert d["pairs"] == [["a", "1"], ["b", "2"]]
    assert d["extra"]["distractors"] == ["3"]


def test_short_answer_dict_keeps_weights_and_accepted_answers():
    d = ITEMS[4].to_item_dict()
    assert d["choices"] == []
    assert d["answers"] == ["no one", "Grant"]
    assert d["weights"]["*"] == 0.0 and d["feedback"]["*"] == "No"


def test_from_item_dict_defaults():
    mcq = BankItem.from_item_dict(
        {"type": "mcq", "prompt": "?", "choices": ["a", "b", "c"], "answers": ["b"]}
    )
    assert [c.fraction for c in mcq.choices] == [0.0, 1.0, 0.0]
    multi = BankItem.from_item_dict(
        {"type": "multi", "prompt": "?", "choices": ["a", "b", "c"], "answers": ["a", "c"]}
    )
    assert [c.fraction for c in multi.choices] == [0.5, 0.0, 0.5]
    card = BankItem.from_item_dict({"type": "flashcard", "prompt": "front", "back": "back"})
    assert card.answers == ["back"] and card.prompt_format == "plain"
    tf = BankItem.from_item_dict({"type": "true_false", "prompt": "?", "answers": ["false"]})
    assert tf.answers == ["False"]
    numerical = BankItem.from_item_dict({"type": "numerical", "prompt": "?", "answers": ["42"]})
    assert numerical.numeric == [NumericAnswer(value=42.0)]
    ranged = BankItem.from_item_dict(
        {"type": "numerical", "prompt": "?", "numeric": [{"low": 1, "high": 3}]}
    )
    assert (ranged.numeric[0].value, ranged.numeric[0].tolerance) == (2.0, 1.0)


def test_from_item_dict_rejects_unknown_types():
    with pytest.raises(BankError):
        BankItem.from_item_dict({"type": "hotspot", "prompt": "?"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        ("-1.5", -1.5),
        (" .5 ", 0.5),
        ("1e3", 1000.0),
        ("inf", None),
        ("nan", None),
        ("1_000", None),
        ("", None),
        ("3.", 3.0),
        ("abc", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_number_formatting():
    assert format_number(3.0) == "3" and format_number(0.005) == "0.005"
    assert format_number(None) == "*"
    assert format_percent(1 / 3) == "33.33333" and format_percent(-1.0) == "-100"
    assert format_percent(0.0) == "0"


def test_moodle_grade_checks():
    bad = BankItem(type="multi", prompt="?", choices=[Choice("a", 0.33), Choice("b", 0.67)])
    assert "invalid grade" in choice_problem(bad)
    thirds = BankItem(type="multi", prompt="?", choices=[Choice(x, 0.3333333) for x in "abc"])
    assert choice_problem(thirds) is None
    assert "100%" in choice_problem(
        BankItem(type="mcq", prompt="?", choices=[Choice("a"), Choice("b")])
    )


def test_text_helpers():
    assert normalise_category("$course$/top/Unit 1: Topic") == "Unit 1: Topic"
    assert normalise_category("$module$/Delta/Epsilon") == "Delta/Epsilon"
    assert normalise_category("$course$/top") is None
    assert (
        clean_name("Question with <strong>bold</strong> : x > 1 & x < 2")
        == "Question with bold : x > 1 & x < 2"
    )
    assert (
        html_to_text("<p>Which is the</p>\n<p>oddest number?</p>") == "Which is the oddest number?"
    )
    assert front_back(ITEMS[1]) == ("Capital of France?\nA) Paris\nB) Lyon\nC) Nice", "Paris")
    assert front_back(ITEMS[6])[1] == "a -> 1\nb -> 2"
