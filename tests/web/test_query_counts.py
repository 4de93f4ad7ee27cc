"""No N+1 queries: the number of queries per page does not grow with the data."""

import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, Item, ReviewLog, StudySet, User
from quizapp.services import banks, classes, study

from support import count_queries


def _bank(n):
    return "\n\n".join(
        f"::Q{i}::Capital number {i}?{{=Right{i} ~Wrong{i} ~Other{i}}}" for i in range(n)
    ).encode()


def _world(app, n_items, n_learners):
    """A teacher, a class of learners, and a published set of n items each learner answered."""
    with app.app_context():
        teacher = User(username=f"t{n_items}", role="instructor")
        db.session.add(teacher)
        db.session.flush()
        study_set, _ = banks.import_bank(
            _bank(n_items),
            filename="b.gift",
            owner=teacher,
            set_name=f"Set {n_items}",
            publish=True,
        )
        course = classes.create_course(teacher, f"Class {n_items}")
        classes.assign(course, study_set, None)
        for k in range(n_learners):
            learner = User(username=f"l{n_items}-{k}")
            db.session.add(learner)
            db.session.flush()
            classes.join(learner, course.join_code)
            attempt = study.start_attempt(learner, study_set, "test", seed=k)
            for item_id in attempt.item_ids:
                item = db.session.get(Item, item_id)
                study.record_answer(attempt, item, item.answers[0])
            study.finish_attempt(attempt)
        db.session.commit()
        return study_set.id, course.id, teacher.username


def _login(client, app, username, role="instructor"):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        user.set_password("password123")
        db.session.commit()
    client.post("/auth/login", data={"username": username, "password": "password123"})


PAGES = ["set", "question", "result", "dashboard", "gradebook", "review", "analysis"]
INSTRUCTOR_PAGES = ("gradebook", "review", "analysis")


def _page_url(page, set_id, course_id, attempt_id, first_item):
    return {
        "set": f"/sets/{set_id}",
        "question": f"/attempts/{attempt_id}/items/{first_item}",
        "result": f"/attempts/{attempt_id}/result",
        "dashboard": "/me/progress",
        "gradebook": f"/teach/classes/{course_id}",
        "review": f"/teach/sets/{set_id}",
        "analysis": f"/teach/sets/{set_id}/analysis",
    }[page]


@pytest.mark.parametrize("page", PAGES)
def test_queries_per_page_do_not_grow_with_items_or_learners(app, client, page):
    counts = []
    for n_items, n_learners in ((3, 2), (30, 8)):
        set_id, course_id, teacher = _world(app, n_items, n_learners)
        learner = f"l{n_items}-0"
        _login(client, app, teacher if page in INSTRUCTOR_PAGES else learner)
        with app.app_context():
            attempt = db.session.scalar(
                sa.select(Attempt).join(User).where(User.username == learner)
            )
            attempt_id, first_item = attempt.id, attempt.item_ids[0]
        url = _page_url(page, set_id, course_id, attempt_id, first_item)
        with count_queries(app) as counter:
            response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(counter["n"])
        client.post("/auth/logout")
    assert counts[0] > 0
    assert counts[1] <= counts[0], (
        f"{page}: {counts[0]} queries for the small set, {counts[1]} for the big one"
    )


def _signed_in_practice_attempt(app, client):
    """A learner of a three-question set, signed in, with a new practice attempt."""
    set_id, _course_id, _teacher = _world(app, 3, 1)
    with app.app_context():
        learner = db.session.scalar(sa.select(User).where(User.username == "l3-0"))
        attempt = study.start_attempt(learner, db.session.get(StudySet, set_id), "practice")
        db.session.commit()
        attempt_id, first_item = attempt.id, attempt.item_ids[0]
        answer = db.session.get(Item, first_item).answers[0]
    _login(client, app, "l3-0")
    return f"/attempts/{attempt_id}/items/{first_item}", answer


def test_a_new_question_page_costs_one_statement(app, client, backend):
    """The hottest learner page: the attempt with its question, set, owner and (none yet)
    response, in one statement, which also signs the learner in (the session loader finds
    the owner's row). No BEGIN: reads run outside a transaction on both databases. Each
    statement more is CPU on every page view of every quiz."""
    url, _answer = _signed_in_practice_attempt(app, client)
    statements = []
    with count_queries(app, statements):
        response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Set 3" in page  # the set's title, shown on the page
    assert 'name="answer"' in page  # not answered yet: the form
    assert len(statements) == 1, "\n".join(statements)
    assert not any("FROM user" in s for s in statements), "the user was read twice"


def test_an_answered_question_page_adds_only_the_answered_ids(app, client, backend):
    """After an answer, the page shows the feedback (the response comes with the attempt)
    and a link to the next unanswered question: one statement more, for the answered ids."""
    url, answer = _signed_in_practice_attempt(app, client)
    assert client.post(url, data={"answer": answer}).status_code == 302
    statements = []
    with count_queries(app, statements):
        response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Correct" in page and "Next question" in page
    assert len(statements) == 2, "\n".join(statements)


def test_an_answer_post_does_not_read_the_set(app, client, backend):
    """An answer POST redirects: the attempt with its question and owner (the signed-in
    learner), and the insert. The set's row is not read."""
    url, answer = _signed_in_practice_attempt(app, client)
    statements = []
    with count_queries(app, statements):
        response = client.post(url, data={"answer": answer})
    assert response.status_code == 302
    assert not any("study_set" in s for s in statements), "\n".join(statements)
    assert len(statements) == 2, "\n".join(statements)


def test_a_first_rating_costs_one_read_of_the_card_and_two_inserts(app, client, backend):
    """A rating POST: the card with its set's visibility and the signed-in user (one
    statement), the card state and its review-log row. A lazy load
    of a column the lookup left out would show up here as one statement more."""
    with app.app_context():
        study_set = StudySet(title="Cards", status="published")
        db.session.add_all([study_set, User(username="rater")])
        db.session.flush()
        card = Item(set_id=study_set.id, uid="c1", type="flashcard", status="published",
                    prompt="Front", back="Back")  # fmt: skip
        db.session.add(card)
        db.session.commit()
        set_id, card_id = study_set.id, card.id
    _login(client, app, "rater")
    statements = []
    with count_queries(app, statements):
        response = client.post(
            f"/sets/{set_id}/flashcards/{card_id}", data={"rating": "3", "reps": "0"}
        )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 1
    assert len(statements) == 3, "\n".join(statements)
    assert not any(s.startswith("SELECT user.") for s in statements), "a query of its own"


def test_the_flashcard_page_reads_the_user_with_the_set(app, client, backend):
    """The page a start storm opens, and the reply to every rating: the set with the
    signed-in user, then the due counts with the next card. The user has no query of its
    own."""
    with app.app_context():
        study_set = StudySet(title="Cards", status="published")
        db.session.add_all([study_set, User(username="rater")])
        db.session.flush()
        db.session.add(
            Item(set_id=study_set.id, uid="c1", type="flashcard", status="published",
                 prompt="Front", back="Back")
        )  # fmt: skip
        db.session.commit()
        set_id = study_set.id
    _login(client, app, "rater")
    statements = []
    with count_queries(app, statements):
        response = client.get(f"/sets/{set_id}/flashcards")
    assert response.status_code == 200 and "Front" in response.get_data(as_text=True)
    assert not any(s.startswith("SELECT user.") for s in statements), "\n".join(statements)
    assert len(statements) == 2, "\n".join(statements)


# The tables that grow with every learner's every answer and rating.
PER_LEARNER_TABLES = ("attempt", "response", "card_state", "review_log")
FULL_SCAN = re.compile(r"\bSCAN (\w+)")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # reads SQLite's plans
@pytest.mark.parametrize("page", PAGES)
def test_pages_find_learner_rows_through_indexes(app, client, page):
    """No statement of a page reads a whole per-learner table (SQLite's query plan says
    SCAN): at a district's size that is every answer of every learner, on each view."""
    set_id, course_id, teacher = _world(app, 5, 3)
    _login(client, app, teacher if page in INSTRUCTOR_PAGES else "l5-0")
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt).join(User).where(User.username == "l5-0"))
        attempt_id, first_item = attempt.id, attempt.item_ids[0]
    url = _page_url(page, set_id, course_id, attempt_id, first_item)
    statements = []
    with count_queries(app, statements, with_parameters=True):
        assert client.get(url).status_code == 200
    scans = []
    with app.app_context(), db.engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            for row in plan:
                match = FULL_SCAN.search(row[-1])
                if match and match.group(1) in PER_LEARNER_TABLES:
                    scans.append(f"{row[-1]}  in  {statement[:160]}")
    assert scans == []
