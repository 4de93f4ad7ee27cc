"""Grading: every quiz type scored the way a learner would expect."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from quizapp.domain.grading import AnswerRejected, grade


@dataclass
class FakeItem:
    type: str
    choices: list[str] = field(default_factory=list)
    prompt: str = ""
    answers: list[str] = field(default_factory=list)
    pairs: list[list[str]] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    numeric: list[dict[str, Any]] = field(default_factory=list)
    points: float = 1.0


MCQ = FakeItem(
    "mcq",
    choices=["Paris", "Lyon", "Nice"],
    answers=["Paris"],
    feedback={"Lyon": "Lyon is the third city."},
)


@pytest.mark.parametrize(
    ("answer", "correct", "score"),
    [
        ("Paris", True, 1.0),
        ("  paris ", True, 1.0),
        ("Lyon", False, 0.0),
        (["Paris"], True, 1.0),
    ],
)
def test_mcq(answer, correct, score):
    result = grade(MCQ, answer)
    assert (result.correct, result.score) == (correct, score)


def test_mcq_feedback_for_the_chosen_option():
    assert grade(MCQ, "Lyon").feedback == ["Lyon is the third city."]


def test_multi_partial_credit_and_penalty():
    item = FakeItem("multi", choices=["a", "b", "c", "d"], answers=["a", "b"])
    assert grade(item, ["a", "b"]).score == 1.0
    assert grade(item, ["a"]).score == 0.5
    assert grade(item, ["a", "c"]).score == 0.0
    assert grade(item, ["c", "d"]).score == 0.0
    assert not grade(item, ["a"]).correct


def test_multi_with_moodle_weights():
    item = FakeItem(
        "multi",
        choices=["a", "b", "c"],
        answers=["a", "b"],
        weights={"a": 0.5, "b": 0.5, "c": -1.0},
    )
    assert grade(item, ["a", "b"]).correct
    assert grade(item, ["a", "c"]).score == 0.0


def test_short_answer_alternatives_ignore_case_and_space():
    item = FakeItem("short_answer", answers=["Ulysses S. Grant", "Grant"])
    assert grade(item, "  grant ").correct
    assert grade(item, "ULYSSES   S. GRANT").correct
    assert not grade(item, "Lincoln").correct


def test_cloze_accepts_curly_or_straight_apostrophe():
    item = FakeItem("cloze", answers=["Russia’s"])
    assert grade(item, "russia's").correct


def test_numerical_tolerance_and_range():
    item = FakeItem(
        "numerical",
        numeric=[
            {"value": 3.14, "tolerance": 0.01, "fraction": 1.0},
            {"low": 3.0, "high": 3.5, "fraction": 0.5},
        ],
    )
    assert grade(item, "3.145").correct
    assert grade(item, "3.3").score == 0.5
    assert grade(item, "4").score == 0.0
    with pytest.raises(AnswerRejected):
        grade(item, "pi")


def test_matching_scores_each_pair():
    item = FakeItem("matching", pairs=[["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"]])
    assert grade(item, [["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"]]).correct
    assert grade(item, [["a", "1"], ["b", "3"], ["c", "2"], ["d", "4"]]).score == 0.5


def test_points_scale_the_score():
    item = FakeItem("true_false", choices=["True", "False"], answers=["False"], points=2)
    assert grade(item, "False").score == 2.0


@pytest.mark.parametrize(
    ("item", "answer"),
    [
        (MCQ, {"x": 1}),
        (FakeItem("matching", pairs=[["a", "1"]]), "a"),
        (FakeItem("essay"), "x"),
    ],
)
def test_wrong_shapes_are_rejected(item, answer):
    with pytest.raises(AnswerRejected):
        grade(item, answer)


def test_cloze_with_several_gaps_scores_each_gap():
    item = FakeItem("cloze", answers=["Paris", "Seine"])
    item.prompt = "_____ lies on the _____."
    assert grade(item, ["paris", "Seine"]).correct
    assert grade(item, ["Paris", "Loire"]).score == 0.5
    with pytest.raises(AnswerRejected):
        grade(item, "Paris")


def test_mcq_with_several_right_answers_accepts_each():
    item = FakeItem("mcq", choices=["a", "b", "c"], answers=["a", "b"])
    assert grade(item, "a").correct and grade(item, "b").correct and not grade(item, "c").correct
