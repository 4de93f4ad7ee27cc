"""Classes: join by code, assignments, gradebook, essays, item analysis and set sharing."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, Course, Item, Response, StudySet
from quizapp.services import study

GIFT = (
    b"::Capital::What is the capital of France?{=Paris ~Lyon ~Nice}\n\n"
    b"::Flat::The Earth is flat.{F}\n\n::Essay::Explain the seasons.{}\n"
)


@pytest.fixture
def course_with_set(client, app, auth):
    """A teacher with a class and an imported three-question set assigned to it."""
    auth.create("teacher", "teach-pass-1", role="instructor")
    auth.login("teacher", "teach-pass-1")
    created = client.post("/teach/classes", data={"name": "Geo 101"})
    course_id = int(re.search(r"/classes/(\d+)", created.headers["Location"])[1])
    from quizapp.services import banks

    with app.app_context():
        teacher = db.session.scalar(sa.select(Course)).owner_id
        from quizapp.models import User

        study_set, _ = banks.import_bank(
            GIFT,
            filename="geo.gift",
            set_name="Geo quiz",
            owner=db.session.get(User, teacher),
            publish=True,
        )
        db.session.commit()
        set_id = study_set.id
        code = db.session.get(Course, course_id).join_code
    client.post(
        f"/teach/classes/{course_id}", data={"set_id": str(set_id), "due_at": "2030-01-31T17:00"}
    )
    client.post("/auth/logout")
    return course_id, set_id, code


def _answer_all(client, app, set_id, answers):
    started = client.post(f"/sets/{set_id}/attempts", data={"mode": "test"})
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"])[1])
    with app.app_context():
        order = db.session.get(Attempt, attempt_id).item_ids
        kinds = {i.id: i.type for i in db.session.scalars(sa.select(Item))}
    for item_id in order:
        client.post(
            f"/attempts/{attempt_id}/items/{item_id}", data={"answer": answers[kinds[item_id]]}
        )
    client.post(f"/attempts/{attempt_id}/finish")
    return attempt_id


def test_learner_joins_by_code_and_sees_the_assignment(client, app, auth, course_with_set):
    course_id, set_id, code = course_with_set
    auth.create("ana")
    auth.login("ana")
    bad = client.post("/join", data={"code": "NOPE1234"})
    assert bad.status_code == 400 and "no class has that code" in bad.get_data(as_text=True)
    assert client.get(f"/join/{code}").headers["Location"].endswith(f"/join?code={code}")
    client.post("/join", data={"code": code.lower()})
    page = client.get("/me/classes").get_data(as_text=True)
    assert "Geo 101" in page and "Geo quiz" in page and "2030-01-31 17:00" in page


def test_gradebook_and_essay_grading(client, app, auth, course_with_set):
    course_id, set_id, code = course_with_set
    for name, answers in (
        ("ana", {"mcq": "Paris", "true_false": "False", "essay": "Tilt."}),
        ("ben", {"mcq": "Lyon", "true_false": "False", "essay": "Sun."}),
    ):
        auth.create(name)
        auth.login(name)
        client.post("/join", data={"code": code})
        _answer_all(client, app, set_id, answers)
        client.post("/auth/logout")
    auth.login("teacher", "teach-pass-1")
    page = client.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "66.7% best" in page and "33.3% best" in page  # essays not graded yet: 0 of 1
    essays = client.get(f"/teach/sets/{set_id}/essays").get_data(as_text=True)
    assert "Tilt." in essays and "Sun." in essays
    with app.app_context():
        ana_essay = next(r for r in db.session.scalars(sa.select(Response)) if r.answer == "Tilt.")
    client.post(
        f"/teach/sets/{set_id}/essays?response={ana_essay.id}",
        data={"percent": "100", "feedback": "Right."},
    )
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/teach/classes/{course_id}/gradebook.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[0] == ["learner", "Geo quiz best %", "Geo quiz attempts", "Geo quiz last activity"]
    assert rows[1][:3] == ["ana", "100.0", "1"] and rows[2][:3] == ["ben", "33.3", "1"]


def test_item_analysis_page_counts_choices(client, app, auth, course_with_set):
    course_id, set_id, code = course_with_set
    for name, capital in (("ana", "Paris"), ("ben", "Lyon"), ("cy", "Paris")):
        auth.create(name)
        auth.login(name)
        _answer_all(client, app, set_id, {"mcq": capital, "true_false": "False", "essay": "x"})
        client.post("/auth/logout")
    auth.login("teacher", "teach-pass-1")
    page = client.get(f"/teach/sets/{set_id}/analysis?which=all").get_data(as_text=True)
    assert "✔ Paris: 2" in page and "Lyon: 1" in page and "Nice: 0" in page
    assert "66.7" in page  # facility of the capital question


def test_first_and_last_attempts(app, seeded):
    from quizapp.services import accounts, results

    with app.app_context():
        study_set = db.session.get(StudySet, seeded)
        learner = accounts.create_guest()
        runs = []
        for right in (False, True):
            attempt = study.start_attempt(learner, study_set, "test", seed=1)
            item = db.session.get(Item, attempt.item_ids[0])
            answer = item.answers[0] if right else "wrong"
            if item.type == "matching":
                answer = [list(p) for p in item.pairs] if right else [["x", "y"]]
            elif item.type == "multi":
                answer = item.answers if right else ["wrong"]
            study.record_answer(attempt, item, answer)
            study.finish_attempt(attempt)
            runs.append(item.id)
        db.session.commit()
        first = dict((i.id, s) for i, s in results.item_statistics(study_set, which="first"))
        last = dict((i.id, s) for i, s in results.item_statistics(study_set, which="last"))
        assert first[runs[0]].facility == 0 and last[runs[1]].facility == 100


def test_sharing_lets_another_instructor_edit(client, app, auth, course_with_set):
    course_id, set_id, code = course_with_set
    auth.create("colleague", "teach-pass-2", role="instructor")
    auth.login("colleague", "teach-pass-2")
    assert client.get(f"/teach/sets/{set_id}").status_code == 404
    assert client.get(f"/teach/classes/{course_id}").status_code == 404
    client.post("/auth/logout")
    auth.login("teacher", "teach-pass-1")
    client.post(f"/teach/sets/{set_id}/share", data={"username": "colleague"})
    client.post("/auth/logout")
    auth.login("colleague", "teach-pass-2")
    assert client.get(f"/teach/sets/{set_id}").status_code == 200
    assert "Geo quiz" in client.get("/teach/sets").get_data(as_text=True)
