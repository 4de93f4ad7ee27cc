"""Aiken: Moodle's reading of questions, its error messages, and its export rules."""

from quizapp.domain.banks import BankItem, Choice, aiken

from .support import DATA


def test_sample():
    result = aiken.parse((DATA / "sample_aiken.txt").read_bytes())
    assert [(i.type, i.line, i.prompt) for i in result.items] == [
        ("mcq", 1, "What is the capital of France?"),
        ("mcq", 7, "Which number is prime?"),
    ]
    assert [(c.text, c.fraction) for c in result.items[1].choices] == [
        ("4", 0.0),
        ("6", 0.0),
        ("7", 1.0),
    ]
    assert result.problems == []


def test_errors_carry_moodles_messages():
    text = (
        "Q1\nA) only\nANSWER: A\n\nA) orphan\n\nQ2\nA) x\nB) y\n\nQ3\nA) a\nB) b\n"
        "ANSWER: C\n\nQ4\nA) a\n"
    )
    result = aiken.parse(text)
    assert result.items == []
    assert [p.message for p in result.problems] == [
        "Question must have at least 2 answers on line 3",
        "Question not started on line 5",
        "Question not completed before next question start on line 11",
        "Line 14: ANSWER: C does not name one of the 2 options",
        "Question not completed (no ANSWER: line) before the end of the file; it starts on line 16",
    ]


def test_html_characters_are_literal_text():
    item = aiken.parse("Is <b>this</b> & that bold?\nA) <yes>\nB) no\nANSWER: A").items[0]
    assert item.prompt == "Is <b>this</b> & that bold?" and item.prompt_format == "plain"
    assert item.choices[0].text == "<yes>"


def test_export_only_single_answer_multiple_choice():
    items = [
        BankItem(
            type="mcq",
            prompt="<p>Which is the</p>\n<p>oddest number?</p>",
            prompt_format="html",
            choices=[Choice("One", 1.0), Choice("Two"), Choice("Three"), Choice("Four")],
        ),
        BankItem(
            type="multi",
            prompt="Two of four",
            choices=[Choice("a", 0.5), Choice("b", 0.5), Choice("c"), Choice("d")],
        ),
        BankItem(type="short_answer", prompt="Name?", choices=[Choice("x", 1.0)]),
        BankItem(type="essay", prompt="Write."),
    ]
    assert aiken.dump(items) == (
        "Which is the oddest number?\nA) One\nB) Two\nC) Three\nD) Four\nANSWER: A\n"
    )
    assert [aiken.can_export(i) for i in items] == [True, False, False, False]


def test_round_trip():
    result = aiken.parse((DATA / "sample_aiken.txt").read_bytes())
    again = aiken.parse(aiken.dump(result.items))
    assert [(i.prompt, i.choices) for i in again.items] == [
        (i.prompt, i.choices) for i in result.items
    ]
