"""Import -> export -> import gives the same items, for GIFT, Moodle XML and quizapp JSON.

Run over every conformance file with supported items and over an article-like item list as
the generator makes it. A format that cannot hold a type changes it the documented way
(:func:`held`): GIFT and Moodle XML write flashcards as short answers, GIFT writes a one-gap
cloze as a missing-word short answer and keeps no ``extra``, ``points`` or general feedback on
a description, and Moodle XML stores a numerical range as value ± tolerance and names untitled
items after their text.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, dump_bank, parse_bank
from quizapp.domain.banks.moodle_xml import default_name

from .support import canon, conformance_files, needs_conformance

FORMATS = ("gift", "moodle_xml", "json")


def held(item: BankItem, fmt: str) -> BankItem:
    """The item as ``fmt`` can hold it (the documented lossy mappings)."""
    item = copy.deepcopy(item)
    if fmt in ("gift", "moodle_xml") and item.type == "flashcard":
        item.type = "short_answer"
        item.choices = [Choice(a, 1.0) for a in item.answers]
    if fmt == "gift" and item.type == "cloze":
        item.type = "short_answer"
        item.choices = [Choice(a, 1.0) for a in item.answers]
    if fmt == "gift":
        item.extra = {}
        item.points = 0.0 if item.type == "description" else 1.0
        if item.type == "description":
            item.general_feedback = None
    if fmt == "moodle_xml":
        item.title = default_name(item)
        for answer in item.numeric:
            answer.low = answer.high = None
    return item


def compare(before: list[BankItem], after: list[BankItem], fmt: str) -> None:
    drop = ("line", "extra") if fmt == "moodle_xml" else ("line",)
    assert [canon(i, drop=drop) for i in after] == [canon(held(i, fmt), drop=drop) for i in before]


def _loaded(path: Path, fmt: str) -> list[BankItem]:
    try:
        return parse_bank(path.read_bytes(), fmt).items
    except BankError:
        return []


def source_files() -> list[tuple[Path, str]]:
    """Conformance files that hold supported items (the others have nothing to round-trip)."""
    files = [(p, "gift") for p in conformance_files("gift/**/*") if p.suffix in (".gift", ".txt")]
    files += [(p, "moodle_xml") for p in conformance_files("moodle-xml/**/*.xml")]
    return [(path, fmt) for path, fmt in files if _loaded(path, fmt)]


@needs_conformance
@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize(
    ("path", "source"), source_files(), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_conformance_round_trip(path, source, target):
    items = _loaded(path, source)
    if target == "gift" and source == "moodle_xml":
        items = [i for i in items if i.type != "cloze" or i.prompt.count("_____") <= 1]
    first = parse_bank(dump_bank(items, target, title=path.name), target)
    assert first.problems == [] and first.unsupported == []
    compare(items, first.items, target)
    second = parse_bank(dump_bank(first.items, target, title=path.name), target)
    assert [canon(i) for i in second.items] == [canon(i) for i in first.items]


ARTICLE_ITEMS = [
    {
        "type": "flashcard",
        "prompt": "Anchorage",
        "answers": ["Where the summit is held"],
        "back": "Where the summit is held",
        "tags": ["places"],
        "explanation": "From §1.",
    },
    {
        "type": "flashcard",
        "prompt": "NATO’s eastern flank: {what} = ?",
        "answers": ["Strengthened #1 ~ priority: 100%"],
    },
    {
        "type": "mcq",
        "prompt": "Where will Putin and Trump meet?",
        "choices": ["Alaska", "Geneva", "Helsinki", "Kyiv"],
        "answers": ["Alaska"],
        "explanation": "The summit is set for next Friday in Alaska.",
    },
    {
        "type": "multi",
        "prompt": "Which are aims named for Putin?",
        "choices": ["Legitimacy", "Fracturing alliances", "Joining NATO"],
        "answers": ["Legitimacy", "Fracturing alliances"],
    },
    {
        "type": "multi",
        "prompt": "Three of four?",
        "choices": ["a", "b", "c", "d"],
        "answers": ["a", "b", "c"],
    },
    {
        "type": "true_false",
        "prompt": "The meeting is in Anchorage.",
        "choices": ["True", "False"],
        "answers": ["True"],
    },
    {
        "type": "true_false",
        "prompt": "Russia annexed Alaska.",
        "choices": ["True", "False"],
        "answers": ["False"],
        "feedback": {"True": "No: Crimea."},
    },
    {
        "type": "cloze",
        "prompt": "Putin seeks to weaken Western _____ on Ukraine.",
        "answers": ["solidarity"],
    },
    {"type": "cloze", "prompt": "_____ hosts the summit.", "answers": ["Alaska"]},
    {"type": "cloze", "prompt": "The war began in _____", "answers": ["2014"]},
    {
        "type": "matching",
        "prompt": "Match each leader to a country.",
        "pairs": [["Putin", "Russia"], ["Trump", "United States"], ["Zelensky", "Ukraine"]],
    },
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_article_items_round_trip(fmt):
    items = [BankItem.from_item_dict(d) for d in ARTICLE_ITEMS]
    result = parse_bank(dump_bank(ARTICLE_ITEMS, fmt, title="Alaska’s Shadow"), fmt)
    assert result.problems == []
    compare(items, result.items, fmt)


def test_article_items_come_back_as_the_same_item_dicts_from_json():
    result = parse_bank(dump_bank(ARTICLE_ITEMS, "json", title="x"), "json")
    for original, item in zip(ARTICLE_ITEMS, result.items, strict=True):
        d = item.to_item_dict()
        for key, value in original.items():
            if key == "pairs":
                value = [list(p) for p in value]
            if key == "feedback":
                value = {k: v for k, v in value.items() if v}
            assert d[key] == value, key
