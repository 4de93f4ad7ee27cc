"""Registering from a guest session, and the dashboard a learner watches change."""

import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Response, User

pytestmark = pytest.mark.browser


def stat(page, label: str) -> str:
    """The number shown next to ``label`` on the dashboard."""
    text = page.get_by_role("listitem").filter(has_text=label).inner_text()
    return text.split()[0]


def test_guest_registers_and_keeps_their_answers(page, learner):
    learner.start_quiz("practice")
    item, given = learner.answer(right=True)
    page.get_by_text("✔ Correct").wait_for()

    page.get_by_role("navigation").get_by_role("link", name="Register").click()
    page.get_by_text(
        "Everything you have studied as a guest moves into your new account"
    ).wait_for()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill("correct horse")
    page.get_by_label("Repeat password").fill("correct hose")
    page.get_by_role("button", name="Create account").click()
    # A typo in the repeat: the error is shown by the field, which is marked invalid.
    repeat = page.get_by_label("Repeat password")
    assert page.get_by_text("The passwords differ.").is_visible()
    assert repeat.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Username").input_value() == "grace"
    page.get_by_label("Password", exact=True).fill("correct horse")
    repeat.fill("correct horse")
    page.get_by_role("button", name="Create account").click()

    page.get_by_text("Welcome! Your account is ready.").wait_for()
    page.get_by_role("navigation").get_by_role("link", name="Progress").click()
    assert stat(page, "questions answered") == "1"
    set_progress = page.get_by_role("article").filter(has_text="Mastery")
    assert re.search(r"1/\d+ questions right", set_progress.inner_text())

    # The password works: sign out and back in, and the answer is still there.
    page.get_by_role("button", name="Sign out").click()
    learner.sign_in("grace", "correct horse")
    page.get_by_role("link", name="Progress").click()
    assert stat(page, "questions answered") == "1"
    with learner.app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username="grace"))
        assert not user.is_guest
        (response,) = db.session.scalars(sa.select(Response)).all()
        assert (response.user_id, response.item_id, response.answer) == (user.id, item.id, given)


def test_dashboard_changes_after_studying(page, learner):
    learner.create_account("ada", "password123")
    learner.sign_in("ada", "password123")
    page.get_by_role("link", name="Progress").click()
    before = {label: stat(page, label) for label in ("study streak", "questions answered")}
    assert before == {"study streak": "0", "questions answered": "0"}
    assert page.get_by_text("Nothing studied yet").is_visible()
    assert "Total: 0." in page.get_by_role("figure").inner_text()

    learner.start_quiz("practice")
    learner.answer(right=True)
    page.get_by_role("link", name="Next question").click()
    learner.answer(right=False)
    learner.open_seed_set()
    page.get_by_role("link", name="Study flashcards").click()
    page.get_by_role("button", name="Again").click()
    page.get_by_text("Due today: 1").wait_for()

    page.get_by_role("link", name="Progress").click()
    assert stat(page, "questions answered") == "2"
    streak = page.get_by_role("listitem").filter(has_text="study streak").inner_text()
    assert " ".join(streak.split()) == "1 day study streak"
    assert stat(page, "cards due today") == "1"
    assert "Total: 3." in page.get_by_role("figure").inner_text()  # 2 answers + 1 review
    set_progress = page.get_by_role("article").filter(has_text="Mastery")
    assert re.search(r"1/\d+ questions right on the latest try", set_progress.inner_text())
    assert set_progress.get_by_role("table", name="Accuracy by article section").is_visible()
    assert not page.get_by_text("Nothing studied yet").is_visible()


def test_study_settings_slider_works_by_keyboard(page, learner):
    learner.create_account("ada", "password123")
    learner.sign_in("ada", "password123")
    page.get_by_role("navigation").get_by_role("link", name="ada").click()
    slider = page.get_by_role("slider", name="Desired retention")
    shown = page.locator(f"output[for={slider.get_attribute('id')}]")
    assert shown.inner_text() == "0.90"
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert shown.inner_text() == "0.88"  # the value is shown as it moves, not only spoken
    page.get_by_role("button", name="Save study settings").click()
    page.get_by_text("Study settings saved.").wait_for()
    assert shown.inner_text() == "0.88"
    with learner.app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username="ada"))
        assert user.desired_retention == pytest.approx(0.88)
