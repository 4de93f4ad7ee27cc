"""Flashcards of the seed set, rated by keyboard and by touch; FSRS stores each rating."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from quizapp.extensions import db
from quizapp.model_base import utcnow
from quizapp.models import CardState, Item, ReviewLog

from .conftest import lose_the_first_script_reply

pytestmark = pytest.mark.browser


def open_flashcards(page, learner):
    learner.open_seed_set()
    page.get_by_role("link", name="Study flashcards").click()
    # The page's keys work once its deferred scripts have run (before "load"): a key
    # pressed earlier, as a test on a busy machine could, would go nowhere.
    page.wait_for_load_state("load")
    return page.locator(".flashcard")


def front_of(card) -> str:
    return card.locator(".front").inner_text()


def next_card(page, front: str) -> None:
    """Wait until a different card is shown."""
    try:
        page.wait_for_function(
            "front => document.querySelector('.front')?.innerText !== front",
            arg=front,
            timeout=10_000,
        )
    except PlaywrightTimeout:
        raise AssertionError(f"still on the card {front!r}: the rating was not sent") from None


def reviews(learner) -> list[tuple[int, int]]:
    with learner.app.app_context():
        logs = db.session.scalars(sa.select(ReviewLog).order_by(ReviewLog.id)).all()
        assert all(log.duration_ms is not None and not log.cram for log in logs)
        return [(log.item_id, log.rating) for log in logs]


def item_with_front(learner, front: str) -> int:
    with learner.app.app_context():
        return db.session.scalar(sa.select(Item.id).filter_by(type="flashcard", prompt=front))


def test_review_due_cards_by_keyboard(page, learner):
    card = open_flashcards(page, learner)
    answer = card.locator(".back")

    # New cards: Space shows and hides the answer, a digit rates the card.
    first = front_of(card)
    assert not answer.is_visible()
    page.keyboard.press("Space")
    assert answer.is_visible()
    page.keyboard.press("Space")
    assert not answer.is_visible()
    page.keyboard.press("Space")
    page.keyboard.press("3")  # Good
    next_card(page, first)
    second = front_of(card)
    page.keyboard.press("Space")
    page.keyboard.press("1")  # Again
    next_card(page, second)
    assert reviews(learner) == [
        (item_with_front(learner, first), 3),
        (item_with_front(learner, second), 1),
    ]

    # A day later both cards are due, and they come before any new card.
    with learner.app.app_context():
        for state in db.session.scalars(sa.select(CardState)):
            state.due = utcnow() - timedelta(minutes=5)
        db.session.commit()
    page.reload()
    assert "Due today: 2" in page.get_by_text("Due today").inner_text()
    due_front = front_of(card)
    assert due_front in (first, second)
    page.keyboard.press("Space")
    page.keyboard.press("4")  # Easy
    next_card(page, due_front)
    other_front = front_of(card)
    assert {due_front, other_front} == {first, second}
    # Space on a focused rating button presses that button (it does not flip the card).
    page.keyboard.press("Space")
    learner.tab_to("Hard")
    page.keyboard.press("Space")
    next_card(page, other_front)

    assert reviews(learner)[2:] == [
        (item_with_front(learner, due_front), 4),
        (item_with_front(learner, other_front), 2),
    ]
    with learner.app.app_context():
        easy = db.session.scalar(
            sa.select(CardState).filter_by(item_id=item_with_front(learner, due_front))
        )
        assert easy.reps == 2 and easy.due > utcnow() + timedelta(days=1)


def test_review_flashcards_by_touch(new_page, learner_on):
    page = new_page("phone", has_touch=True, is_mobile=True)
    learner = learner_on(page)
    card = open_flashcards(page, learner)
    first = front_of(card)
    assert not card.locator(".back").is_visible()
    page.get_by_text("Show answer").tap()
    assert card.locator(".back").is_visible()
    page.get_by_role("button", name="Good").tap()
    next_card(page, first)
    second = front_of(card)
    page.get_by_text("Show answer").tap()
    page.get_by_role("button", name="Again").tap()
    next_card(page, second)
    assert reviews(learner) == [
        (item_with_front(learner, first), 3),
        (item_with_front(learner, second), 1),
    ]
    assert page.get_by_text("Due today").is_visible()  # now a known learner with a schedule


def test_a_rating_is_one_request_and_the_next_card_swaps_in(page, learner):
    card = open_flashcards(page, learner)
    address = page.url
    sent = []
    page.on("request", lambda r: sent.append(r.method) if "/flashcards" in r.url else None)
    first = front_of(card)
    page.keyboard.press("Space")
    page.keyboard.press("3")
    next_card(page, first)
    second = front_of(card)
    page.keyboard.press("Space")  # focus is on the new card, so Space flips it
    assert card.locator(".back").is_visible()
    # A second press while the first rating is on its way counts once. Both key presses
    # go in one task, so the reply cannot arrive between them (two presses further apart
    # are two ratings, of two cards).
    page.evaluate(
        """() => {
            for (const press of [1, 2]) {
                document.activeElement.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "4", bubbles: true, cancelable: true }));
            }
        }"""
    )
    next_card(page, second)
    assert sent == ["POST", "POST"]  # no redirected GET, no page reload
    assert page.url == address
    assert reviews(learner) == [
        (item_with_front(learner, first), 3),
        (item_with_front(learner, second), 4),
    ]
    page.reload()  # the address still shows the flashcards: a reload gives the next card
    assert front_of(card) not in (first, second)


def test_a_rating_whose_reply_is_lost_is_sent_again_and_counted_once(page, learner):
    card = open_flashcards(page, learner)
    lost = lose_the_first_script_reply(page, "**/flashcards/*")
    first = front_of(card)
    page.keyboard.press("2")
    next_card(page, first)  # the script fell back to the plain form, which redirected
    assert lost == [200]
    assert reviews(learner) == [(item_with_front(learner, first), 2)]
