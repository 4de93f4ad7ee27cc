"""Quizzes in real Chromium on a phone-sized screen: practice, test mode, and resuming."""

import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, Response

from .conftest import lose_the_first_script_reply

pytestmark = pytest.mark.browser


def feedback_of(page):
    feedback = page.get_by_role("status").filter(has_text="Your answer:")
    feedback.wait_for()
    return feedback


def test_practice_quiz_gives_feedback_with_the_source_after_each_answer(page, learner):
    attempt_id = learner.start_quiz("practice")
    page.get_by_text("Practice · question 1 of").wait_for()

    # 1. Multiple choice (radio buttons), answered right.
    item, given = learner.answer(right=True)
    assert item.type == "mcq"
    feedback = feedback_of(page)
    assert feedback.get_by_text("✔ Correct").is_visible()
    assert f"Your answer: {given}" in feedback.inner_text()
    assert f"Source: {item.provenance_heading}" in feedback.inner_text()
    assert item.explanation in feedback.inner_text()  # the article's sentence, quoted
    assert page.get_by_role("radio").count() == 0  # answered once: no form any more

    # 2. True / false (radio buttons), answered wrong: the right answer is shown.
    page.get_by_role("link", name="Next question").click()
    item, given = learner.answer(right=False)
    assert item.type == "true_false"
    feedback = feedback_of(page)
    assert feedback.get_by_text("✘ Not quite").is_visible()
    assert f"Correct answer: {item.answers[0]}" in feedback.inner_text()

    # 3. Fill the gap (a text box), typed.
    page.get_by_role("link", name="Next question").click()
    item, given = learner.answer(right=True)
    assert item.type == "cloze"
    assert feedback_of(page).get_by_text("✔ Correct").is_visible()

    # 4. Multiple response (checkboxes) and 5. matching (one select per term), opened by
    # their addresses: the quiz reaches them only after a dozen more questions.
    learner.goto(f"/attempts/{attempt_id}/items/{learner.attempt_item_id(attempt_id, 'multi')}")
    item, given = learner.answer(right=True)
    assert len(given) > 1
    feedback = feedback_of(page)
    assert feedback.get_by_text("✔ Correct").is_visible()
    assert ", ".join(given) in feedback.inner_text()

    learner.goto(f"/attempts/{attempt_id}/items/{learner.attempt_item_id(attempt_id, 'matching')}")
    item, given = learner.answer(right=False)
    feedback = feedback_of(page)
    assert feedback.get_by_text("✘ Not quite").is_visible()
    left, right = item.pairs[0]
    assert f"{left} → {right}" in feedback.inner_text()  # the right pairs
    assert f"Source: {item.provenance_heading}" in feedback.inner_text()

    with learner.app.app_context():
        stored = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        assert [r.correct for r in stored] == [True, False, True, True, False]


def test_a_practice_answer_is_one_request_and_its_feedback_swaps_in(page, learner):
    attempt_id = learner.start_quiz("practice")
    address = page.url
    sent = []
    page.on("request", lambda r: sent.append(r.method) if "/attempts/" in r.url else None)
    item, _given = learner.answer(right=True)
    assert feedback_of(page).get_by_text("✔ Correct").is_visible()
    assert sent == ["POST"]  # no redirected GET, no page reload
    assert page.url == address
    # Focus is on the way on, as on a loaded page; Enter follows it.
    assert learner.focused_text() == "Next question"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/items/(?!{item.id}$)\d+$"))
    page.goto(address)  # the answered question's address shows its feedback
    assert feedback_of(page).get_by_text("✔ Correct").is_visible()
    with learner.app.app_context():
        stored = db.session.scalars(sa.select(Response).filter_by(attempt_id=attempt_id)).all()
        assert [r.item_id for r in stored] == [item.id]


def test_an_answer_whose_reply_is_lost_is_sent_again_and_counted_once(page, learner):
    attempt_id = learner.start_quiz("practice")
    lost = lose_the_first_script_reply(page, "**/attempts/*/items/*")
    item, _given = learner.answer(right=False)
    assert feedback_of(page).get_by_text("✘ Not quite").is_visible()  # via the plain form
    assert lost == [200]
    with learner.app.app_context():
        stored = db.session.scalars(sa.select(Response).filter_by(attempt_id=attempt_id)).all()
        assert [(r.item_id, r.correct) for r in stored] == [(item.id, False)]


def test_test_mode_shows_no_feedback_until_the_result_page(page, learner):
    attempt_id = learner.start_quiz("test")
    answered = []
    for position, right in enumerate([True, False, True], start=1):
        page.get_by_text(f"Test · question {position} of").wait_for()
        item, _given = learner.answer(right=right)
        answered.append((item, right))
        # Straight on to the next question: no verdict, no right answer.
        page.get_by_text(f"Test · question {position + 1} of").wait_for()
        assert page.get_by_text(re.compile("✔|✘|◐|Your answer:")).count() == 0

    # Back to the last answered question: it says the answer is saved, and nothing more.
    page.go_back()
    page.get_by_text("Answer saved.").wait_for()
    assert page.get_by_text(re.compile("✔|✘|◐|Your answer:")).count() == 0
    assert page.get_by_role("button", name="Check answer").count() == 0

    page.get_by_role("button", name="Finish now and see the score").click()
    page.get_by_role("heading", name="Your score").wait_for()
    with learner.app.app_context():
        total = len(db.session.get(Attempt, attempt_id).item_ids)
    assert page.locator(".score").inner_text().startswith(f"2 / {total}")
    results = page.locator(".results").get_by_role("listitem")
    assert results.count() == total
    for item, right in answered:
        entry = results.filter(has_text=item.prompt)
        text = entry.inner_text()
        assert ("✔ Correct" in text) if right else ("✘ Wrong" in text)
        if not right:
            assert "Correct answer:" in text
    unanswered = results.filter(has_text="Not answered")
    assert unanswered.count() == total - 3
    assert "Correct answer:" in unanswered.first.inner_text()


def test_reloading_mid_attempt_keeps_the_answer_and_moves_on(page, learner):
    attempt_id = learner.start_quiz("practice")
    first_url = page.url
    item, given = learner.answer(right=False)
    feedback_of(page)

    page.reload()  # the answer was posted then redirected: reloading does not post it again
    assert f"Your answer: {given}" in feedback_of(page).inner_text()

    learner.goto(f"/attempts/{attempt_id}")  # resume the attempt
    page.get_by_text("Practice · question 2 of").wait_for()
    assert page.url != first_url
    assert page.get_by_role("heading", level=1).inner_text() != item.prompt

    page.go_back()  # the answered question shows its feedback, not a fresh form
    assert f"Your answer: {given}" in feedback_of(page).inner_text()
    assert page.get_by_role("button", name="Check answer").count() == 0

    with learner.app.app_context():
        (stored,) = db.session.scalars(sa.select(Response)).all()
        assert (stored.attempt_id, stored.item_id) == (attempt_id, item.id)
        assert stored.answer == given and stored.correct is False
