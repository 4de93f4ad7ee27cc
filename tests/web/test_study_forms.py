"""The learner's posted forms read without WTForms agree with the WTForms form they mirror."""

import pytest
from werkzeug.datastructures import MultiDict

from quizapp.web.study.forms import PostedRating, ReviewForm, posted_rating

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
