"""A learner studies the seed set in real Chromium, on a phone-sized screen."""

import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Response, ReviewLog

pytestmark = pytest.mark.browser


def test_guest_opens_the_seed_set_and_answers_a_question(page, live_server, live_app):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("Alaska")).click()
    page.get_by_role("heading", name="Key Takeaways").wait_for()
    page.get_by_label(re.compile("^Practice")).check()
    page.get_by_role("button", name="Start quiz").click()
    question = page.locator("h1.prompt").inner_text()
    assert question
    # Answer whatever input this question offers.
    if page.locator("input[type=radio]").count():
        page.locator("input[type=radio]").first.check()
    elif page.locator("input[type=checkbox]").count():
        page.locator("input[type=checkbox]").first.check()
    elif page.locator("select").count():
        for select in page.locator("select").all():
            select.select_option(index=1)
    else:
        page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Check answer").click()
    page.locator(".feedback").wait_for()
    assert "Source:" in page.locator(".feedback").inner_text()
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_flashcards_by_keyboard(page, live_server, live_app):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("Alaska")).click()
    page.get_by_role("link", name="Study flashcards").click()
    front = page.locator(".front").inner_text()
    assert not page.locator(".back").is_visible()
    page.keyboard.press("Space")
    page.locator(".back").wait_for(state="visible")
    page.keyboard.press("3")
    page.wait_for_function(
        "front => document.querySelector('.front') && "
        "document.querySelector('.front').innerText !== front",
        arg=front,
    )
    with live_app.app_context():
        log = db.session.scalar(sa.select(ReviewLog))
        assert log.rating == 3 and log.duration_ms is not None
