"""The Match game, played with the keyboard alone: Tab to a tile, Enter or Space to pick it."""

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import MatchRecord, StudySet
from quizapp.web.study.routes import match_pairs

pytestmark = pytest.mark.browser


def test_match_game_by_keyboard_saves_the_best_time(page, learner):
    set_id = learner.open_seed_set()
    with learner.app.app_context():
        pairs = match_pairs(db.session.get(StudySet, set_id))
    page.clock.install()  # the game refuses inhumanly fast times: let the test's clock run
    page.get_by_role("link", name="Play Match").click()
    terms = page.get_by_role("list", name="Terms")
    terms.wait_for()
    assert terms.get_by_role("button").count() == len(pairs)

    for number, (term, description) in enumerate(pairs, start=1):
        if learner.focused_text() != term:
            learner.tab_to(term)
        page.keyboard.press("Enter")
        assert page.get_by_role("button", name=term, pressed=True).is_visible()
        if number == 1:
            # A wrong description first: the tile is not taken and the miss is said in words.
            wrong = next(d for t, d in pairs if t != term)
            learner.tab_to(wrong)
            page.keyboard.press("Space")
            assert page.get_by_role("status").filter(has_text="Not a pair").is_visible()
            assert page.get_by_role("button", name=wrong).is_visible()
            learner.tab_to(term, backwards=True)
            page.keyboard.press("Enter")
            page.clock.fast_forward(4_000)
        learner.tab_to(description)
        if number == len(pairs):
            with page.expect_navigation():
                page.keyboard.press("Space")
            break
        page.keyboard.press("Space")
        assert not page.get_by_role("button", name=term).is_visible()
        assert page.get_by_text(f"Matched. {len(pairs) - number} left.").is_visible()
        # The matched tiles vanish; focus stays in the game, on the next term.
        assert learner.focused_text() == pairs[number][0]

    with learner.app.app_context():
        record = db.session.scalar(sa.select(MatchRecord).filter_by(set_id=set_id))
    assert record.plays == 1 and 4_000 <= record.best_ms < 30_000
    seconds = f"{record.best_ms / 1000:.1f}"
    flash = page.get_by_role("status").filter(has_text="Done in")
    assert flash.inner_text() == f"Done in {seconds} s · best {seconds} s"
    assert page.get_by_text(f"Your best: {seconds} s").is_visible()
