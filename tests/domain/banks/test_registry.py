"""The format registry: detection, parse_bank/dump_bank by name, and exportability."""

import pytest

from quizapp.domain.banks import (
    EXPORT_ONLY,
    FORMATS,
    BankError,
    can_export,
    detect_format,
    dump_bank,
    file_extension,
    parse_bank,
)

from .support import DATA

ARTICLE_ITEMS = [
    {"type": "flashcard", "prompt": "Anchorage", "answers": ["Summit venue"]},
    {"type": "mcq", "prompt": "Where?", "choices": ["Alaska", "Kyiv"], "answers": ["Alaska"]},
    {
        "type": "true_false",
        "prompt": "Held in Alaska.",
        "choices": ["True", "False"],
        "answers": ["True"],
    },
    {"type": "cloze", "prompt": "The summit is in _____.", "answers": ["Alaska"]},
]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sample.gift", "gift"),
        ("errors.gift", "gift"),
        ("sample_aiken.txt", "aiken"),
        ("quizlet.csv", "csv"),
        ("anki_notes.txt", "csv"),
        ("sample_moodle.xml", "moodle_xml"),
    ],
)
def test_detect_fixture_formats(name, fmt):
    data = (DATA / name).read_bytes()
    assert detect_format(data, name) == fmt
    assert detect_format(data, "upload.txt") == fmt
    assert detect_format(data) == fmt


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b'{"format": "quizapp", "version": 1, "items": []}', "json"),
        (b"{ =Asia } is the largest continent.", "gift"),
        (b"Who?{=me}", "gift"),
        (b"word\tdefinition\n", "csv"),
        (b"#html:true\n#separator:Semicolon\n<b>a</b>;b\n", "csv"),
        (b"# a comment\nword\tdefinition\n", "csv"),
        (b"apple; banana\npear; plum\n", "csv"),
        (b"<?xml version='1.0'?><quiz/>", "moodle_xml"),
        (b"Just a description line.", "gift"),
    ],
)
def test_detect_by_content(data, fmt):
    assert detect_format(data, None) == fmt


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_dump_bank_accepts_item_dicts_and_returns_bytes(fmt):
    data = dump_bank(ARTICLE_ITEMS, fmt, title="Alaska summit")
    assert isinstance(data, bytes) and data
    if fmt in EXPORT_ONLY:
        assert detect_format(data, "x" + file_extension(fmt)) == fmt
        with pytest.raises(BankError, match="export only"):
            parse_bank(data, fmt)
    else:
        result = parse_bank(data, fmt)
        expected = 1 if fmt == "aiken" else len(ARTICLE_ITEMS)
        assert len(result.items) == expected and result.format == fmt


def test_parse_bank_detects_and_unknown_formats_are_bank_errors():
    assert parse_bank((DATA / "sample.gift").read_bytes(), filename="s.gift").format == "gift"
    with pytest.raises(BankError):
        parse_bank(b"x", "docx")
    with pytest.raises(BankError):
        dump_bank([], "docx", title="")
    with pytest.raises(BankError):
        detect_format(b"PK\x03\x04not really a zip")


def test_can_export():
    multi = {"type": "multi", "prompt": "?", "choices": ["a", "b"], "answers": ["a", "b"]}
    assert can_export(multi, "gift") and not can_export(multi, "aiken")
    assert file_extension("moodle_xml") == ".xml"


NOTES = b"""Meeting notes, week 3

The summit ended without an agreement. Both sides said talks would go on.

Next steps: read chapter 4 before Monday.
"""


def test_a_gift_file_with_nothing_to_answer_is_flagged_not_refused():
    """Plain text is valid GIFT (every block a description), so the wrong file would
    import without a problem: the warning is what tells the instructor."""
    result = parse_bank(NOTES, fmt="gift", filename="notes.txt")
    assert [item.type for item in result.items] == ["description"] * 3
    assert result.problems == [] and result.unsupported == []
    [warning] = result.warnings
    assert warning.line == 1
    assert "all 3 blocks" in warning.message and "{=4 ~3}" in warning.message


def test_a_bank_with_one_real_question_among_descriptions_has_no_warning():
    bank = NOTES + b"\n::Q::What ended without an agreement? {=The summit ~The week}\n"
    result = parse_bank(bank, fmt="gift")
    assert sorted({item.type for item in result.items}) == ["description", "mcq"]
    assert result.warnings == []
