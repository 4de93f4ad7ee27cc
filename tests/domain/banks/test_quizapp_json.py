"""quizapp JSON: lossless, versioned, and strict about what it accepts."""

import json

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, NumericAnswer, quizapp_json

from .support import canon

ITEMS = [
    BankItem(
        type="mcq",
        title="T",
        prompt="?",
        choices=[Choice("a", 1.0, "fb"), Choice("b")],
        general_feedback="g",
        tags=["x"],
        points=2.0,
        category="C",
        id_number="id1",
        extra={"answernumbering": "123"},
    ),
    BankItem(type="matching", prompt="m", pairs=[("a", "1"), ("", "2")]),
    BankItem(type="numerical", prompt="n", numeric=[NumericAnswer(1.5, 0.1, 1.4, 1.6, 1.0, "f")]),
    BankItem(type="true_false", prompt="tf", answers=["False"], true_feedback="t"),
]


def test_round_trip_is_lossless():
    text = quizapp_json.dump(ITEMS, title="Set")
    doc = json.loads(text)
    assert (doc["format"], doc["version"], doc["title"]) == ("quizapp", 1, "Set")
    result = quizapp_json.parse(text.encode())
    assert result.title == "Set"
    assert [canon(i) for i in result.items] == [canon(i) for i in ITEMS]


def test_item_lines_point_into_the_json_file():
    text = quizapp_json.dump(ITEMS, title="Set")
    lines = text.splitlines()
    for item in quizapp_json.parse(text).items:
        assert lines[item.line - 1].strip() == "{"
        assert f'"prompt": {json.dumps(item.prompt)}' in "\n".join(lines[item.line :])


def test_app_item_dicts_are_accepted():
    doc = {
        "format": "quizapp",
        "version": 1,
        "items": [
            {
                "type": "mcq",
                "prompt": "?",
                "choices": ["a", "b"],
                "answers": ["b"],
                "explanation": "because",
            }
        ],
    }
    item = quizapp_json.parse(json.dumps(doc)).items[0]
    assert [(c.text, c.fraction) for c in item.choices] == [("a", 0.0), ("b", 1.0)]
    assert item.general_feedback == "because"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("[]", "not a quizapp bank"),
        ('{"format": "anki"}', "not a quizapp bank"),
        ('{"format": "quizapp", "version": 2, "items": []}', "version 2"),
        ('{"format": "quizapp", "version": "1", "items": []}', "whole number"),
        ('{"format": "quizapp", "version": 1, "items": {}}', '"items" must be a list'),
        ('{"format": "quizapp", "version": 1,\n "items": [}', "Line 2"),
    ],
)
def test_bad_files(doc, message):
    with pytest.raises(BankError, match=message):
        quizapp_json.parse(doc)


def test_bad_items_become_problems_with_lines():
    doc = (
        '{"format": "quizapp", "version": 1, "items": [\n'
        '  {"type": "essay", "prompt": "ok"},\n'
        '  {"type": "hotspot", "prompt": "?"},\n'
        '  {"type": "mcq", "prompt": "?", "choices": [{"text": "a", "fraction": "x"}]},\n'
        '  {"type": "mcq", "prompt": 3},\n'
        '  "nope"\n]}'
    )
    result = quizapp_json.parse(doc)
    assert [i.prompt for i in result.items] == ["ok"]
    assert [(p.line, p.message.split(": ", 2)[1]) for p in result.problems] == [
        (3, "item 2"),
        (4, "item 3"),
        (5, "item 4"),
        (6, "item 5"),
    ]
    assert "unknown item type 'hotspot'" in result.problems[0].message


def test_deep_nesting_is_a_bank_error_not_a_crash():
    with pytest.raises(BankError):
        quizapp_json.parse("[" * 100_000)
