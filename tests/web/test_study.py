"""The learner's pages: home, set, article, quiz attempt and flashcards."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from quizapp.extensions import db
from quizapp.model_base import utcnow
from quizapp.models import Attempt, CardState, Item, Response, ReviewLog, StudySet, User

from support import run_together


def _items(app, set_id, *types):
    with app.app_context():
        query = sa.select(Item).where(Item.set_id == set_id, Item.status == "published")
        if types:
            query = query.where(Item.type.in_(types))
        items = list(db.session.scalars(query.order_by(Item.position)))
        db.session.expunge_all()
        return items


def test_home_lists_the_seed_set(client, seeded):
    page = client.get("/").get_data(as_text=True)
    assert "Alaska’s Shadow" in page
    assert f"/sets/{seeded}" in page


def test_set_page_shows_sections_and_study_options(client, seeded):
    page = client.get(f"/sets/{seeded}").get_data(as_text=True)
    for heading in ("Key Takeaways", "Pros for Putin", "Cons for Putin"):
        assert heading in page
    assert "Legitimacy and Recognition" in page
    assert "Start quiz" in page and "Study flashcards" in page


def test_article_page_highlights_the_provenance(client, app, seeded):
    item = next(i for i in _items(app, seeded) if i.provenance_start is not None)
    page = client.get(
        f"/sets/{seeded}/article?start={item.provenance_start}&end={item.provenance_end}"
    ).get_data(as_text=True)
    highlighted = re.search(r'<mark id="highlight">(.*?)</mark>', page, re.S).group(1)
    from markupsafe import escape

    assert highlighted == str(escape(item.provenance_text))


def test_unknown_set_is_404(client, seeded):
    assert client.get("/sets/9999").status_code == 404


def _start(client, set_id, mode="practice"):
    response = client.post(f"/sets/{set_id}/attempts", data={"mode": mode})
    assert response.status_code in (302, 303)
    return response.headers["Location"]


def _correct_form(item):
    if item.type == "matching":
        return {f"match_{i}": right for i, (_l, right) in enumerate(item.pairs)}
    if item.type == "multi":
        return {"answer": item.answers}
    return {"answer": item.answers[0]}


def _wrong_form(item):
    if item.type == "matching":
        rights = [r for _l, r in item.pairs]
        return {f"match_{i}": rights[(i + 1) % len(rights)] for i in range(len(rights))}
    if item.type in ("mcq", "true_false", "multi"):
        return {"answer": next(c for c in item.choices if c not in item.answers)}
    return {"answer": "certainly-not-the-answer"}


def test_guest_takes_a_whole_practice_quiz_with_feedback(client, app, seeded):
    location = _start(client, seeded)
    attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        order = list(attempt.item_ids)
        assert db.session.get(User, attempt.user_id).is_guest
    items = {i.id: i for i in _items(app, seeded)}
    assert {items[i].type for i in order} >= {"mcq", "true_false", "cloze", "matching"}
    for index, item_id in enumerate(order):
        item = items[item_id]
        form = _correct_form(item) if index % 2 == 0 else _wrong_form(item)
        posted = client.post(f"/attempts/{attempt_id}/items/{item_id}", data=form)
        assert posted.status_code in (302, 303), posted.get_data(as_text=True)[:500]
        feedback = client.get(posted.headers["Location"]).get_data(as_text=True)
        assert ("Correct" in feedback) if index % 2 == 0 else ("Correct answer" in feedback)
        assert "Source:" in feedback
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None
        assert attempt.score == pytest.approx(
            sum(items[i].points for n, i in enumerate(order) if n % 2 == 0), abs=1.0 * len(order)
        )
        assert len(attempt.responses) == len(order)
    assert "Your score" in result


def test_the_result_page_shows_each_answer_with_its_explanation_and_sentence(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded)).group(1))
    with app.app_context():
        order = list(db.session.get(Attempt, attempt_id).item_ids)
    items = {i.id: i for i in _items(app, seeded)}
    for index, item_id in enumerate(order):
        form = _correct_form(items[item_id]) if index % 2 == 0 else _wrong_form(items[item_id])
        client.post(f"/attempts/{attempt_id}/items/{item_id}", data=form)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    entries = re.findall(r'<li class="(right|wrong)">(.*?)</li>', page, re.S)
    shown = [i for i in order if items[i].type != "description"]
    assert len(entries) == len(shown)
    linked = 0
    for (verdict, body), item_id in zip(entries, shown, strict=True):
        item, answered_wrong = items[item_id], order.index(item_id) % 2 == 1
        assert verdict == "wrong" or not answered_wrong
        assert ("Correct answer: " in body) == (verdict == "wrong")
        assert str(escape(item.explanation)) in body
        if item.provenance_text and item.provenance_start is not None:
            assert f"Source: <em>{escape(item.provenance_heading)}</em>" in body
            link = (
                f'href="/sets/{seeded}/article?start={item.provenance_start}'
                f'&amp;end={item.provenance_end}#highlight"'
            )
            assert link in body
            linked += 1
    assert linked > len(shown) // 2  # the seed set's items come from its article


def test_answer_posted_twice_is_recorded_once(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded)).group(1))
    with app.app_context():
        item_id = db.session.get(Attempt, attempt_id).item_ids[0]
    item = next(i for i in _items(app, seeded) if i.id == item_id)
    for form in (_correct_form(item), _wrong_form(item)):
        client.post(f"/attempts/{attempt_id}/items/{item_id}", data=form)
    with app.app_context():
        responses = list(
            db.session.scalars(sa.select(Response).where(Response.attempt_id == attempt_id))
        )
        assert len(responses) == 1 and responses[0].correct


def test_reload_resumes_at_the_first_unanswered_question(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded)).group(1))
    with app.app_context():
        order = db.session.get(Attempt, attempt_id).item_ids
    item = next(i for i in _items(app, seeded) if i.id == order[0])
    client.post(f"/attempts/{attempt_id}/items/{order[0]}", data=_correct_form(item))
    resumed = client.get(f"/attempts/{attempt_id}")
    assert resumed.headers["Location"].endswith(f"/attempts/{attempt_id}/items/{order[1]}")


def test_starting_a_quiz_lands_on_its_first_question_in_one_redirect(client, app, seeded):
    location = _start(client, seeded)
    attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
    with app.app_context():
        first = db.session.get(Attempt, attempt_id).item_ids[0]
    assert location.endswith(f"/attempts/{attempt_id}/items/{first}")
    assert client.get(location).status_code == 200


def test_test_mode_answer_goes_on_to_the_next_question_then_the_score(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded, "test")).group(1))
    with app.app_context():
        order = db.session.get(Attempt, attempt_id).item_ids
    items = {i.id: i for i in _items(app, seeded)}
    for index, item_id in enumerate(order):
        posted = client.post(
            f"/attempts/{attempt_id}/items/{item_id}", data=_correct_form(items[item_id])
        )
        following = order[index + 1] if index + 1 < len(order) else None
        expected = f"/items/{following}" if following else f"/attempts/{attempt_id}/result"
        assert posted.headers["Location"].endswith(expected)
    assert "Your score" in client.get(posted.headers["Location"]).get_data(as_text=True)


def test_test_mode_gives_no_feedback_until_the_end(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded, "test")).group(1))
    with app.app_context():
        order = db.session.get(Attempt, attempt_id).item_ids
    item = next(i for i in _items(app, seeded) if i.id == order[0])
    posted = client.post(f"/attempts/{attempt_id}/items/{order[0]}", data=_wrong_form(item))
    page = client.get(posted.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Not quite" not in page and "Correct answer" not in page
    client.post(f"/attempts/{attempt_id}/finish")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Correct answer" in result and "Not answered" in result


def test_another_learner_cannot_open_my_attempt(client, app, seeded, auth):
    attempt_path = _start(client, seeded)
    auth.create("mallory")
    client.post("/auth/logout")
    auth.login("mallory")
    assert client.get(attempt_path).status_code == 404


def test_invalid_answer_shows_an_error_not_a_crash(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded)).group(1))
    with app.app_context():
        item_id = db.session.get(Attempt, attempt_id).item_ids[0]
    response = client.post(f"/attempts/{attempt_id}/items/{item_id}", data={})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "errors" in page
    with app.app_context():
        item = db.session.get(Item, item_id)
        study_set = db.session.get(StudySet, seeded)
        # The page again, whole: the question, its set and its position.
        assert study_set.title in page and "question 1 of" in page
        words = re.findall(r"[A-Za-z]{4,}", item.prompt)[:4]
    assert words and all(word in page for word in words)


def test_flashcard_review_is_scheduled_with_fsrs_and_logged(client, app, seeded):
    page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    item_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
    posted = client.post(
        f"/sets/{seeded}/flashcards/{item_id}",
        data={"rating": "4", "reps": "0", "duration_ms": "2500"},
    )
    assert posted.status_code in (302, 303)
    client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "4", "reps": "0"})
    with app.app_context():
        state = db.session.scalar(sa.select(CardState).where(CardState.item_id == item_id))
        logs = list(db.session.scalars(sa.select(ReviewLog)))
        assert state.reps == 1 and state.state == 2  # Easy graduates a new card to review
        assert len(logs) == 1 and logs[0].rating == 4 and logs[0].duration_ms == 2500
        assert logs[0].state_before["state"] == 1 and logs[0].state_after["state"] == 2
    # the card is no longer due, so the next page shows a different card
    nxt = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    assert f'/flashcards/{item_id}"' not in nxt


NEXT_PAGE = {"X-Quizapp-Next-Page": "1"}


def _card_on(page: str, route: str = "flashcards") -> tuple[int, int]:
    """The (card id, reps) of the rating form on a flashcard page."""
    item_id = int(re.search(rf"/{route}/(\d+)", page).group(1))
    return item_id, int(re.search(r'name="reps" type="hidden" value="(\d+)"', page).group(1))


def _without_csrf_tokens(page: str) -> str:
    """The page with each signed CSRF token blanked out."""
    return re.sub(r'(name="csrf_token"[^>]*value=)"[^"]*"', r'\1""', page)


def test_a_rating_sent_by_the_page_script_gets_the_next_card_in_the_reply(
    client, app, seeded, auth
):
    auth.create()
    auth.login()
    first, _ = _card_on(client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True))
    url = f"/sets/{seeded}/flashcards/{first}"
    reply = client.post(url, data={"rating": "1", "reps": "0"}, headers=NEXT_PAGE)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    second, reps = _card_on(page)
    # The reply is what the redirect would have shown: the next card, with its own reps.
    assert second != first and reps == 0
    # CSRF tokens carry a timestamp, so two pages a second apart differ only there.
    shown = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    assert _without_csrf_tokens(page) == _without_csrf_tokens(shown)
    again = client.post(url, data={"rating": "1", "reps": "0"}, headers=NEXT_PAGE)  # resent
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1
    # Without the header the plain form's redirect is unchanged.
    plain = client.post(f"/sets/{seeded}/flashcards/{second}", data={"rating": "3", "reps": "0"})
    assert plain.status_code in (302, 303)
    assert plain.headers["Location"].endswith(f"/sets/{seeded}/flashcards")


@pytest.mark.parametrize("route", ["cram", "study"])
def test_cram_and_study_now_ratings_also_reply_with_the_next_card(client, app, seeded, auth, route):
    auth.create()
    auth.login()
    if route == "cram":
        page_url, rate_url = f"/sets/{seeded}/cram", f"/sets/{seeded}/cram/{{}}"
    else:  # Study now serves cards already in the schedule: start two, make them due
        page_url, rate_url = "/study", "/study/{}"
        for _ in range(2):
            page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
            client.post(
                f"/sets/{seeded}/flashcards/{_card_on(page)[0]}", data={"rating": "3", "reps": "0"}
            )
        with app.app_context():
            for state in db.session.scalars(sa.select(CardState)):
                state.due = utcnow() - timedelta(minutes=1)
            db.session.commit()
    first, reps = _card_on(client.get(page_url).get_data(as_text=True), route)
    rating = {"rating": "4", "reps": str(reps)}
    reply = client.post(rate_url.format(first), data=rating, headers=NEXT_PAGE)
    assert reply.status_code == 200
    second, _ = _card_on(reply.get_data(as_text=True), route)
    assert second != first
    with app.app_context():
        logs = db.session.scalars(sa.select(ReviewLog).where(ReviewLog.item_id == first)).all()
        assert [log.rating for log in logs][-1] == 4


def test_a_practice_answer_sent_by_the_page_script_gets_its_feedback_in_the_reply(
    client, app, seeded
):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded)).group(1))
    with app.app_context():
        first, second = db.session.get(Attempt, attempt_id).item_ids[:2]
    items = {i.id: i for i in _items(app, seeded)}
    url = f"/attempts/{attempt_id}/items/{first}"
    question = client.get(url).get_data(as_text=True)
    assert "data-answer-in-place" in question and "js/answer.js" in question
    reply = client.post(url, data=_wrong_form(items[first]), headers=NEXT_PAGE)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    # The reply is what the redirect would have shown: the feedback and the next link.
    assert "Correct answer" in page and "Source:" in page
    assert f'/attempts/{attempt_id}/items/{second}"' in page and "data-answer-in-place" not in page
    shown = client.get(url).get_data(as_text=True)
    assert _without_csrf_tokens(page) == _without_csrf_tokens(shown)
    # Sent again (a lost reply, then the plain form): the first answer stands, stored once.
    again = client.post(url, data=_correct_form(items[first]), headers=NEXT_PAGE)
    assert again.status_code == 200 and "Correct answer" in again.get_data(as_text=True)
    plain = client.post(url, data=_correct_form(items[first]))
    assert plain.status_code in (302, 303) and plain.headers["Location"].endswith(url)
    with app.app_context():
        stored = db.session.scalars(sa.select(Response).filter_by(attempt_id=attempt_id)).all()
        assert [(r.item_id, r.correct) for r in stored] == [(first, False)]
    # A refused answer comes back as the question with what to correct, as the form's would.
    refused = client.post(f"/attempts/{attempt_id}/items/{second}", data={}, headers=NEXT_PAGE)
    assert refused.status_code == 400 and "data-answer-in-place" in refused.get_data(as_text=True)


def test_only_practice_answers_without_a_clock_are_posted_by_the_script(client, app, seeded):
    attempt_id = int(re.search(r"/attempts/(\d+)", _start(client, seeded, "test")).group(1))
    with app.app_context():
        first, second = db.session.get(Attempt, attempt_id).item_ids[:2]
    items = {i.id: i for i in _items(app, seeded)}
    url = f"/attempts/{attempt_id}/items/{first}"
    assert "data-answer-in-place" not in client.get(url).get_data(as_text=True)
    # A test's answer moves on to the next question whoever posts it.
    posted = client.post(url, data=_correct_form(items[first]), headers=NEXT_PAGE)
    assert posted.status_code in (302, 303) and posted.headers["Location"].endswith(f"/{second}")


def test_bad_rating_is_rejected(client, seeded, app):
    item = _items(app, seeded, "flashcard")[0]
    response = client.post(
        f"/sets/{seeded}/flashcards/{item.id}", data={"rating": "9", "reps": "0"}
    )
    assert response.status_code == 400


def _same_browser(app, client, count):
    """Test clients sharing ``client``'s session cookie, like tabs of one browser."""
    cookie = client.get_cookie("session")
    clients = []
    for _ in range(count):
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        clients.append(other)
    return clients


@pytest.mark.parametrize("reps_before", [0, 1])
def test_double_clicked_rating_at_the_same_moment_applies_once(
    client, app, seeded, auth, reps_before
):
    auth.create()
    auth.login()
    page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    item_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
    if reps_before:  # a card already in the learner's schedule (an UPDATE, not an INSERT)
        client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "1", "reps": "0"})
    clicks = _same_browser(app, client, 6)
    url = f"/sets/{seeded}/flashcards/{item_id}"
    form = {"rating": "3", "reps": str(reps_before)}
    statuses = run_together([lambda c=c: c.post(url, data=form).status_code for c in clicks])
    assert statuses == [302] * 6
    with app.app_context():
        state = db.session.scalar(sa.select(CardState).where(CardState.item_id == item_id))
        logs = db.session.scalar(sa.select(sa.func.count(ReviewLog.id)))
        assert (state.reps, logs) == (reps_before + 1, reps_before + 1)


def test_a_rating_overtaken_too_often_is_refused_with_a_clear_error(
    client, app, seeded, monkeypatch
):
    from quizapp.services import study

    page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    item_id = int(re.search(r"/flashcards/(\d+)", page).group(1))
    client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "1", "reps": "0"})
    monkeypatch.setattr(study, "CARD_WRITE_RETRIES", 0)  # as if every write were overtaken
    refused = client.post(f"/sets/{seeded}/flashcards/{item_id}", data={"rating": "3", "reps": "1"})
    assert refused.status_code == 409
    assert "being rated elsewhere" in refused.get_data(as_text=True)
    with app.app_context():
        state = db.session.scalar(sa.select(CardState).where(CardState.item_id == item_id))
        assert state.reps == 1  # nothing half-applied


def test_many_learners_answering_at_the_same_moment_all_succeed(app, seeded):
    learners = [app.test_client() for _ in range(6)]
    attempts = []
    for learner in learners:  # each a guest with a practice attempt
        started = learner.post(f"/sets/{seeded}/attempts", data={"mode": "practice"})
        attempts.append(int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1)))
    with app.app_context():
        orders = [db.session.get(Attempt, a).item_ids for a in attempts]
    items = {i.id: i for i in _items(app, seeded)}
    for step in range(3):
        statuses = run_together([
            lambda c=c, a=a, i=o[step]: c.post(
                f"/attempts/{a}/items/{i}", data=_correct_form(items[i])
            ).status_code
            for c, a, o in zip(learners, attempts, orders, strict=True)
        ])  # fmt: skip
        assert statuses == [302] * 6
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 18


def test_the_result_of_a_long_attempt_comes_in_pages(client, app):
    from quizapp.services import banks

    bank = "\n\n".join(f"::Q{n}::Statement number {n} is true.{{T}}" for n in range(1, 121))
    with app.app_context():
        study_set, count = banks.import_bank(
            bank.encode(), filename="long.gift", fmt="gift", owner=None, set_name="Long",
            publish=True,
        )  # fmt: skip
        db.session.commit()
        set_id = study_set.id
    assert count == 120
    attempt_path = _start(client, set_id)
    attempt_id = int(re.search(r"/attempts/(\d+)", attempt_path).group(1))
    client.post(f"/attempts/{attempt_id}/finish")
    first = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Questions 1–50 of 120" in first and "Page 1 of 3" in first
    assert first.count('<li class="wrong">') == 50  # unanswered questions count as wrong
    assert f"/attempts/{attempt_id}/result?page=2" in first and 'rel="prev"' not in first
    last = client.get(f"/attempts/{attempt_id}/result?page=3").get_data(as_text=True)
    assert "Questions 101–120 of 120" in last and '<ol class="results" start="101">' in last
    assert last.count('<li class="wrong">') == 20 and 'rel="next"' not in last
    beyond = client.get(f"/attempts/{attempt_id}/result?page=99").get_data(as_text=True)
    assert _without_csrf_tokens(beyond) == _without_csrf_tokens(last)


def test_answer_and_rating_need_the_pages_csrf_token(client, app, seeded):
    """The answer and rating forms carry no CSRF field of their own: the app-wide check
    must refuse a complete, valid post without the token, and store nothing."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/sets/{seeded}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    started = client.post(
        f"/sets/{seeded}/attempts", data={"mode": "practice", "csrf_token": token}
    )
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    with app.app_context():
        item_id = db.session.get(Attempt, attempt_id).item_ids[0]
    item = next(i for i in _items(app, seeded) if i.id == item_id)
    question = client.get(f"/attempts/{attempt_id}/items/{item_id}").get_data(as_text=True)
    card_page = client.get(f"/sets/{seeded}/flashcards").get_data(as_text=True)
    card_id = int(re.search(r"/flashcards/(\d+)", card_page).group(1))
    answer_url = f"/attempts/{attempt_id}/items/{item_id}"
    rating_url = f"/sets/{seeded}/flashcards/{card_id}"
    rating = {"rating": "3", "reps": "0"}

    assert client.post(answer_url, data=_correct_form(item)).status_code == 400
    assert client.post(rating_url, data=rating).status_code == 400
    forged = {"csrf_token": "forged"}
    assert client.post(answer_url, data={**_correct_form(item), **forged}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 0

    for url, form, html in ((answer_url, _correct_form(item), question),
                            (rating_url, rating, card_page)):  # fmt: skip
        page_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        posted = client.post(url, data={**form, "csrf_token": page_token.group(1)})
        assert posted.status_code == 302, posted.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 1
