"""Learner features beyond the basic quiz: mistakes, cram, study now, match, limits, dashboard."""

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    CardState,
    CaughtUp,
    Item,
    MatchRecord,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)


def _attempt_id(response):
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _first_item(app, attempt_id, position=0):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        item = db.session.get(Item, attempt.item_ids[position])
        db.session.expunge(item)
        return item


def _wrong(item):
    if item.type == "matching":
        rights = [r for _l, r in item.pairs]
        return {f"match_{i}": rights[(i + 1) % len(rights)] for i in range(len(rights))}
    if item.type in ("mcq", "true_false", "multi"):
        return {"answer": next(c for c in item.choices if c not in item.answers)}
    return {"answer": "definitely wrong"}


def _signed_in(auth, name="lena"):
    auth.create(name)
    auth.login(name)


def test_review_my_mistakes_quizzes_only_the_wrong_ones(client, app, seeded, auth):
    _signed_in(auth)
    attempt_id = _attempt_id(client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"}))
    wrong_ids = []
    for position in (0, 2):
        item = _first_item(app, attempt_id, position)
        client.post(f"/attempts/{attempt_id}/items/{item.id}", data=_wrong(item))
        wrong_ids.append(item.id)
    mistakes = client.post(f"/sets/{seeded}/mistakes")
    with app.app_context():
        review = db.session.get(Attempt, _attempt_id(mistakes))
        assert review.purpose == "mistakes"
        assert sorted(review.item_ids) == sorted(wrong_ids)


def test_no_mistakes_is_a_friendly_message(client, seeded, auth):
    _signed_in(auth)
    response = client.post(f"/sets/{seeded}/mistakes", follow_redirects=True)
    assert "no mistakes to review" in response.get_data(as_text=True)


def test_cram_logs_reviews_without_moving_the_schedule(client, app, seeded, auth):
    _signed_in(auth)
    page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    item_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
    client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "3", "reps": "0"})
    with app.app_context():
        before = db.session.scalar(sa.select(CardState).where(CardState.item_id == item_id))
        before = (before.due, before.stability, before.reps)
    crammed = set()
    for _ in range(4):
        page = client.get(f"/sets/{seeded}/cram").get_data(as_text=True)
        cram_id = int(re.search(r"/cram/(\d+)", page).group(1))
        crammed.add(cram_id)
        client.post(f"/sets/{seeded}/cram/{cram_id}", data={"rating": "4", "reps": "0"})
    assert len(crammed) == 4  # the least recently crammed card comes next
    with app.app_context():
        after = db.session.scalar(sa.select(CardState).where(CardState.item_id == item_id))
        assert (after.due, after.stability, after.reps) == before
        logs = list(db.session.scalars(sa.select(ReviewLog).where(ReviewLog.cram.is_(True))))
        assert len(logs) == 4 and all(log.state_before == log.state_after for log in logs)


def test_study_now_serves_due_cards_across_sets_then_respects_the_daily_limit(
    client, app, seeded, auth
):
    _signed_in(auth)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "lena"))
        user.daily_new_limit = 2
        db.session.commit()
    client.get(f"/sets/{seeded}/flashcards")
    for _ in range(2):
        page = client.get("/study").get_data(as_text=True)
        if "/study/" not in page:  # nothing started yet: begin in the set
            page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
            item_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
            client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "1", "reps": "0"})
            continue
        item_id = int(re.search(r'/study/(\d+)"', page).group(1))
        client.post(f"/study/{item_id}", data={"rating": "1", "reps": "0"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CardState.id))) == 2
        # make both cards due now: Study now serves them; no third new card today
        for state in db.session.scalars(sa.select(CardState)):
            state.due = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get("/study").get_data(as_text=True)
    assert "Due today: <strong>2</strong>" in page
    with app.app_context():
        for state in db.session.scalars(sa.select(CardState)):
            state.due = utcnow() + timedelta(days=3)
        db.session.commit()
    assert "No cards are due" in client.get("/study").get_data(as_text=True)


def test_study_now_remembers_a_set_with_no_new_card(client, app, auth):
    """The Study now page stores what its search found (a set with nothing new), so the
    next page does not search the set again; a card published later is served."""
    _signed_in(auth)
    with app.app_context():
        study_set = StudySet(title="tiny", status="published")
        study_set.items = [Item(uid="only", type="flashcard", status="published",
                                prompt="the only card", back="b")]  # fmt: skip
        db.session.add(study_set)
        db.session.commit()
        set_id, item_id = study_set.id, study_set.items[0].id
    client.post(f"/sets/{set_id}/flashcards/{item_id}", data={"rating": "4", "reps": "0"})
    assert "/study/" not in client.get("/study").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(CaughtUp.set_id)).all() == [set_id]
        db.session.add(Item(uid="more", type="flashcard", status="published",
                            prompt="a second card", back="b", set_id=set_id))  # fmt: skip
        db.session.commit()
    assert "a second card" in client.get("/study").get_data(as_text=True)


def test_match_keeps_the_best_time_and_refuses_impossible_times(client, app, seeded, auth):
    _signed_in(auth)
    page = client.get(f"/sets/{seeded}/match").get_data(as_text=True)
    assert page.count('data-side="left"') >= 3
    assert client.post(f"/sets/{seeded}/match", data={"elapsed_ms": "20"}).status_code == 400
    client.post(f"/sets/{seeded}/match", data={"elapsed_ms": "30000"})
    client.post(f"/sets/{seeded}/match", data={"elapsed_ms": "45000"})
    with app.app_context():
        record = db.session.scalar(sa.select(MatchRecord))
        assert (record.best_ms, record.plays) == (30000, 2)
    assert "30.0 s" in client.get(f"/sets/{seeded}/match").get_data(as_text=True)


def test_test_mode_limits_attempts_and_time(client, app, seeded, auth):
    _signed_in(auth)
    with app.app_context():
        study_set = db.session.get(StudySet, seeded)
        study_set.test_max_attempts, study_set.test_time_limit_s = 1, 60
        db.session.commit()
    attempt_id = _attempt_id(client.post(f"/sets/{seeded}/attempts", data={"mode": "test"}))
    refused = client.post(f"/sets/{seeded}/attempts", data={"mode": "test"}, follow_redirects=True)
    assert "used all your test attempts" in refused.get_data(as_text=True)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    item = _first_item(app, attempt_id)
    late = client.post(f"/attempts/{attempt_id}/items/{item.id}", data=_wrong(item))
    assert late.status_code == 400 and "time is up" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).finished_at is not None
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_dashboard_reflects_answers_and_reviews(client, app, seeded, auth):
    _signed_in(auth)
    empty = client.get("/me/progress").get_data(as_text=True)
    assert "Nothing studied yet" in empty
    attempt_id = _attempt_id(client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"}))
    item = _first_item(app, attempt_id)
    client.post(f"/attempts/{attempt_id}/items/{item.id}", data=_wrong(item))
    page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    card_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
    client.post(f"/sets/{seeded}/flashcards/{card_id}", data={"rating": "4", "reps": "0"})
    board = client.get("/me/progress").get_data(as_text=True)
    assert "1</strong> day study streak" in board
    assert "Accuracy by article section" in board
    assert "<svg" in board and ": 2</title>" in board  # today's bar: one answer, one review
    assert "0/1 cards in review" not in board


def test_progress_csv_has_only_my_rows(client, app, seeded, auth):
    _signed_in(auth, "first")
    attempt_id = _attempt_id(client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"}))
    item = _first_item(app, attempt_id)
    client.post(f"/attempts/{attempt_id}/items/{item.id}", data=_wrong(item))
    client.post("/auth/logout")
    _signed_in(auth, "second")
    rows = list(csv.reader(io.StringIO(client.get("/me/progress.csv").get_data(as_text=True))))
    assert rows == [rows[0]]  # header only: the other learner's answers are not mine
    client.post("/auth/logout")
    auth.login("first")
    rows = list(csv.reader(io.StringIO(client.get("/me/progress.csv").get_data(as_text=True))))
    assert len(rows) == 2 and rows[1][0] == "answer" and rows[1][6] == "False"


def test_delete_account_removes_everything(client, app, seeded, auth):
    _signed_in(auth)
    attempt_id = _attempt_id(client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"}))
    item = _first_item(app, attempt_id)
    client.post(f"/attempts/{attempt_id}/items/{item.id}", data=_wrong(item))
    wrong = client.post("/auth/account/delete", data={"delete-password": "nope"})
    assert wrong.headers["Location"].endswith("/auth/account")
    client.post("/auth/account/delete", data={"delete-password": "password123"})
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "lena")) is None
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


def _change_password(client):
    return client.post(
        "/auth/account",
        data={
            "password-current": "password123",
            "password-password": "new-password-1",
            "password-confirm": "new-password-1",
            "password-submit": "Change password",
        },
    )


def test_password_change_signs_out_other_sessions(app, client, auth):
    _signed_in(auth)
    other = app.test_client()
    other.post("/auth/login", data={"username": "lena", "password": "password123"})
    assert "lena" in other.get("/").get_data(as_text=True)
    changed = _change_password(client)
    assert changed.status_code in (302, 303)
    assert "lena" in client.get("/").get_data(as_text=True)
    assert "lena" not in other.get("/").get_data(as_text=True)


def test_a_signed_out_session_cannot_answer_its_own_attempt(app, client, seeded, auth):
    """The question page reads the attempt with its owner's row and the session loader
    reuses that row: a session from before a password change must still be refused."""
    _signed_in(auth)
    other = app.test_client()
    other.post("/auth/login", data={"username": "lena", "password": "password123"})
    attempt_id = _attempt_id(other.post(f"/sets/{seeded}/attempts", data={"mode": "practice"}))
    item = _first_item(app, attempt_id)
    url = f"/attempts/{attempt_id}/items/{item.id}"
    assert other.get(url).status_code == 200
    _change_password(client)
    assert other.get(url).status_code == 404
    assert other.post(url, data=_wrong(item)).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
    assert client.get(url).status_code == 200  # the session that changed it still works


def test_study_settings_are_validated_and_saved(app, client, auth):
    _signed_in(auth)
    bad = client.post(
        "/auth/account",
        data={
            "settings-desired_retention": "0.5",
            "settings-daily_new_limit": "10",
            "settings-submit": "Save",
        },
    )
    assert bad.status_code == 200 and "between 0.7 and 0.99" in bad.get_data(as_text=True)
    client.post(
        "/auth/account",
        data={
            "settings-desired_retention": "0.95",
            "settings-daily_new_limit": "7",
            "settings-submit": "Save",
        },
    )
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "lena"))
        assert (user.desired_retention, user.daily_new_limit) == (0.95, 7)
