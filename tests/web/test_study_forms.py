"""The learner's posted forms read without WTForms agree with the WTForms forms they mirror."""

import pytest
from werkzeug.datastructures import MultiDict

from quizapp.models import Item
from quizapp.web.study.forms import (
    PostedRating,
    ReviewForm,
    answer_form,
    answer_value,
    posted_choice,
    posted_rating,
)

CASES = [
    ({"rating": "3", "reps": "0"}, PostedRating(3, 0, None)),
    ({"rating": "1", "reps": "7", "duration_ms": "4200"}, PostedRating(1, 7, 4200)),
    ({"rating": " 4 ", "reps": "2", "duration_ms": ""}, PostedRating(4, 2, None)),
    ({"rating": "0", "reps": "0"}, None),
    ({"rating": "5", "reps": "0"}, None),
    ({"rating": "good", "reps": "0"}, None),
    ({"rating": "", "reps": "0"}, None),
    ({"reps": "0"}, None),
    ({"rating": "3"}, None),
    ({"rating": "3", "reps": ""}, None),
    ({"rating": "3", "reps": "x"}, None),
    ({"rating": "3", "reps": "0", "duration_ms": "fast"}, None),
    ({"rating": "2.5", "reps": "0"}, None),
]


@pytest.mark.parametrize(("form", "expected"), CASES)
def test_a_posted_rating_is_read_by_review_forms_rules(app, form, expected):
    assert posted_rating(MultiDict(form)) == expected
    with app.test_request_context(method="POST", data=form):
        review_form = ReviewForm()
        assert review_form.validate() is (expected is not None)
        if expected is not None:
            read = (review_form.rating.data, review_form.reps.data, review_form.duration_ms.data)
            assert read == tuple(expected)


CHOICE_CASES = [
    ("mcq", {"answer": "Paris"}, "Paris"),
    ("mcq", {"answer": "Lyon"}, "Lyon"),
    ("mcq", {"answer": "Rome"}, None),  # not one of the choices
    ("mcq", {"answer": " Paris"}, None),
    ("mcq", {"answer": ""}, None),
    ("mcq", {}, None),
    ("true_false", {"answer": "True"}, "True"),
    ("true_false", {"answer": "maybe"}, None),
]


@pytest.mark.parametrize(("kind", "form", "expected"), CHOICE_CASES)
def test_a_posted_choice_is_read_by_the_answer_forms_rules(app, kind, form, expected):
    choices = ["True", "False"] if kind == "true_false" else ["Paris", "Lyon", "Marseille"]
    item = Item(type=kind, prompt="Which?", choices=choices, answers=[choices[0]])
    assert posted_choice(item, MultiDict(form)) == expected
    with app.test_request_context(method="POST", data=form):
        answer = answer_form(item)
        assert answer.validate() is (expected is not None)
        if expected is not None:
            assert answer_value(item, answer) == expected


def test_other_question_types_are_left_to_their_forms(app):
    item = Item(type="short", prompt="Capital?", answers=["Paris"])
    assert posted_choice(item, MultiDict({"answer": "Paris"})) is None
