"""axe-core (WCAG 2.0/2.1, A and AA) on every page a learner sees, each checked on a phone
(390x844) and a desktop (1280x800) screen, in each state that matters: before and after
answering, card front and back, form errors, a Match game under way."""

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(new_page):
    """axe-core is injected as a script, which the app's Content-Security-Policy refuses."""
    return new_page("phone", bypass_csp=True)


def test_public_pages(page, learner, axe):
    learner.goto("/")
    axe.check(page, "home")
    learner.open_seed_set()
    axe.check(page, "set page")
    learner.goto("/auth/login")
    axe.check(page, "sign in")
    learner.goto("/auth/register")
    axe.check(page, "register")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("This field is required.").first.wait_for()
    axe.check(page, "register, with errors")
    learner.goto("/sets/999999")
    axe.check(page, "not found")
    axe.assert_clean()


def test_quiz_pages(page, learner, axe):
    attempt_id = learner.start_quiz("practice")
    axe.check(page, "question (multiple choice)")
    page.get_by_role("button", name="Check answer").click()
    page.get_by_text("Pick an answer.").wait_for()
    axe.check(page, "question, not answered")
    learner.answer(right=False)
    page.get_by_text("✘ Not quite").wait_for()
    axe.check(page, "feedback (wrong)")
    page.get_by_role("link", name="Next question").click()
    learner.answer(right=True)
    page.get_by_text("✔ Correct").wait_for()
    axe.check(page, "feedback (right)")
    page.get_by_role("link", name="Next question").click()
    axe.check(page, "question (fill the gap)")
    for kind in ("multi", "matching"):
        learner.goto(f"/attempts/{attempt_id}/items/{learner.attempt_item_id(attempt_id, kind)}")
        axe.check(page, f"question ({kind})")
    page.get_by_role("button", name="Finish now and see the score").click()
    page.get_by_role("heading", name="Your score").wait_for()
    axe.check(page, "result")
    axe.assert_clean()


def test_flashcard_and_match_pages(page, learner, axe):
    learner.open_seed_set()
    page.get_by_role("link", name="Study flashcards").click()
    axe.check(page, "flashcard, front")
    page.get_by_text("Show answer").click()
    page.locator(".back").wait_for()
    axe.check(page, "flashcard, answer shown")
    learner.open_seed_set()
    page.get_by_role("link", name="Play Match").click()
    terms = page.get_by_role("list", name="Terms")
    axe.check(page, "match")
    terms.get_by_role("button").first.click()
    axe.check(page, "match, a term picked")
    terms.get_by_role("button").nth(1).click()
    page.get_by_role("list", name="Descriptions").get_by_role("button").first.click()
    page.get_by_role("status").filter(has_text=re.compile("Matched|Not a pair")).wait_for()
    axe.check(page, "match, after a try")
    axe.assert_clean()


def test_signed_in_pages(page, learner, axe):
    learner.create_account("ada", "password123")
    learner.sign_in("ada", "password123")
    learner.start_quiz("practice")
    learner.answer(right=True)
    learner.open_seed_set()
    page.get_by_role("link", name="Study flashcards").click()
    page.get_by_role("button", name="Good").click()
    page.get_by_role("link", name="Progress").click()
    page.get_by_role("heading", name="By study set").wait_for()
    axe.check(page, "dashboard")
    page.get_by_role("link", name="ada").click()
    axe.check(page, "account")
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("This field is required.").first.wait_for()
    axe.check(page, "account, with errors")
    axe.assert_clean()
