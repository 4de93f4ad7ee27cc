"""CSV/TSV term–definition files as Quizlet and Anki write them."""

import pytest

from quizapp.domain.banks import BankError, BankItem, csv_tsv
from quizapp.domain.banks.csv_tsv import guess_delimiter

from .support import DATA


def cards(result):
    return [(i.prompt, i.answers[0]) for i in result.items]


def test_quizlet_csv_with_quotes_commas_and_line_breaks():
    result = csv_tsv.parse((DATA / "quizlet.csv").read_bytes(), filename="quizlet.csv")
    assert cards(result) == [
        ("chat", "cat, in French"),
        ("multi\nline", "two lines"),
        ("chien", "dog"),
    ]
    assert [i.line for i in result.items] == [1, 2, 4]
    assert all(i.type == "flashcard" and i.prompt_format == "plain" for i in result.items)


def test_anki_header_lines():
    result = csv_tsv.parse((DATA / "anki_notes.txt").read_bytes())
    assert cards(result) == [("<b>le chat</b>", "the cat"), ("le chien", "the dog")]
    assert result.items[0].prompt_format == "html"
    assert [i.tags for i in result.items] == [["french", "animals"], ["french"]]
    assert [i.line for i in result.items] == [4, 5]


def test_row_problems_name_their_lines():
    text = "a\tb\nc\td\te\nlonely\n\tno front\na\tb\ne\t\n"
    result = csv_tsv.parse(text)
    assert cards(result) == [("a", "b"), ("e", "")]
    assert [(p.line, p.message.split(" (")[0]) for p in result.problems] == [
        (2, "Line 2: has 3 fields, expected 2"),
        (3, "Line 3: has 1 field, expected 2"),
        (4, "Line 4: empty first field"),
        (5, "Line 5: appeared twice in the file: a"),
    ]


def test_same_term_with_another_definition_is_kept():
    assert len(csv_tsv.parse("bank\triver side\nbank\tmoney place\n").items) == 2


@pytest.mark.parametrize(
    ("lines", "extension", "expected"),
    [
        (["a\tb, c"], None, "\t"),
        (["a; b", "c; d"], None, ";"),
        (["a,b", "c,d"], None, ","),
        (["a|b"], None, "|"),
        (["a;b,c", "d;e,f"], ".csv", ","),
        (["plain"], ".tsv", "\t"),
    ],
)
def test_delimiter_guess(lines, extension, expected):
    assert guess_delimiter(lines, extension) == expected


def test_separator_header_names_and_columns_header():
    result = csv_tsv.parse("#separator:Pipe\n#columns:Tags|Front|Back\nx y|front|back\n")
    assert cards(result) == [("front", "back")] and result.items[0].tags == ["x", "y"]


def test_deck_header_becomes_the_category_and_title():
    result = csv_tsv.parse("#deck:French\nchat\tcat\n")
    assert result.title == "French" and result.items[0].category == "French"


def test_not_utf8():
    with pytest.raises(BankError):
        csv_tsv.parse(b"caf\xe9\tcoffee\n")


def test_dump_is_plain_tsv_unless_tags_need_anki_headers():
    plain = [BankItem(type="flashcard", prompt="chat", answers=["cat"])]
    assert csv_tsv.dump(plain) == "chat\tcat\n"
    tagged = [BankItem(type="flashcard", prompt="chat", answers=["cat"], tags=["fr", "pets"])]
    text = csv_tsv.dump(tagged)
    assert text == "#separator:tab\n#html:false\n#tags column:3\nchat\tcat\tfr pets\n"
    assert csv_tsv.parse(text).items[0].tags == ["fr", "pets"]


def test_dump_defuses_formulas_and_header_lookalikes_and_round_trips():
    items = [
        BankItem(type="flashcard", prompt="=SUM(A1)", answers=["@cmd"]),
        BankItem(type="flashcard", prompt="#hash", answers=['two\nlines, "quoted"']),
        BankItem(type="mcq", prompt="Pick", choices=[]),
    ]
    text = csv_tsv.dump(items)
    assert text.startswith(" =SUM(A1)\t @cmd\n")
    assert cards(csv_tsv.parse(text))[:2] == [
        ("=SUM(A1)", "@cmd"),
        ("#hash", 'two\nlines, "quoted"'),
    ]
