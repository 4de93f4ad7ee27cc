"""Rows written exactly once, in as few statements as the database allows."""

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.model_base import utcnow
from quizapp.models import CardState, Item, ReviewLog, StudySet, User
from quizapp.services.rows import insert_once_with_child


def _card_and_learner():
    study_set = StudySet(title="Cards", status="published")
    learner = User(username="rows-learner")
    db.session.add_all([study_set, learner])
    db.session.flush()
    card = Item(set_id=study_set.id, uid="c1", type="flashcard", status="published",
                prompt="Front", back="Back")  # fmt: skip
    db.session.add(card)
    db.session.flush()
    return card, learner


def _write(card, learner, rating):
    now = utcnow()
    return insert_once_with_child(
        db.session, CardState,
        {"user_id": learner.id, "item_id": card.id, "set_id": card.set_id, "reps": 1,
         "lapses": 0, "state": 1, "due": now, "created_at": now},
        ("user_id", "item_id"),
        ReviewLog,
        {"user_id": learner.id, "item_id": card.id, "rating": rating, "reviewed_at": now,
         "cram": False, "state_before": {"state": 0}, "state_after": {"state": 1}},
        link="card_state_id",
    )  # fmt: skip


def test_a_new_row_is_written_with_its_child_and_a_taken_key_writes_neither(app):
    with app.app_context():
        card, learner = _card_and_learner()
        first = _write(card, learner, rating=3)
        again = _write(card, learner, rating=1)
        db.session.commit()

        assert isinstance(first, int) and again is None
        state = db.session.get(CardState, first)
        assert (state.user_id, state.item_id, state.reps) == (learner.id, card.id, 1)
        logs = db.session.execute(sa.select(ReviewLog)).scalars().all()
        assert [(log.card_state_id, log.rating) for log in logs] == [(first, 3)]
        assert logs[0].state_after == {"state": 1}  # JSON travels as JSON
