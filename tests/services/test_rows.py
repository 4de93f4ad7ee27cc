"""The hot writes sent as precompiled SQL store exactly what SQLAlchemy's execute stores."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import CardState, ReviewLog, User
from quizapp.services import accounts, sets
from quizapp.services.rows import execute_dml, insert_once

# Every kind of value a rating writes: an aware datetime given in another zone, JSON, a bool,
# NULL, integers and text.
LOG_VALUES = {
    "rating": 3,
    "reviewed_at": datetime(2026, 12, 7, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
    "duration_ms": None,
    "cram": True,
    "state_before": {"stability": 1.5, "desired_retention": 0.9, "note": 'ä "quoted"'},
    "state_after": {"due": "2026-12-10T00:00:00+00:00", "steps": [1, 2]},
    "idempotency_key": "key-1",
}


def _stored_text(log_id: int) -> tuple:
    """The row as the database holds it, each column read back as text: a value converted
    differently (a datetime's format, JSON's spacing, a bool) reads differently."""
    columns = [c for c in ReviewLog.__table__.c if c.name not in ("id", "idempotency_key")]
    query = sa.select(*(sa.cast(c, sa.Text) for c in columns)).where(ReviewLog.id == log_id)
    return tuple(db.session.execute(query).one())


def _ids(seeded: int) -> tuple[int, int, int]:
    user = accounts.create_guest()
    card = sets.learner_items(db.session.get(sets.StudySet, seeded), types=("flashcard",))[0]
    state_id = insert_once(
        db.session,
        CardState,
        {"user_id": user.id, "item_id": card.id, "set_id": card.set_id, "reps": 0, "lapses": 0},
        key=("user_id", "item_id"),
    )
    assert state_id is not None
    return user.id, card.id, state_id


def test_precompiled_insert_stores_what_sqlalchemy_stores(app, seeded):
    with app.app_context():
        user_id, item_id, state_id = _ids(seeded)
        values = {"card_state_id": state_id, "user_id": user_id, "item_id": item_id, **LOG_VALUES}
        table = ReviewLog.__table__
        by_orm_core = db.session.execute(
            sa.insert(table).returning(table.c.id), values
        ).scalar_one()
        precompiled = execute_dml(
            db.session,
            sa.insert(table).returning(table.c.id),
            {**values, "idempotency_key": "key-2"},
        ).scalar_one()
        db.session.commit()

        assert _stored_text(precompiled) == _stored_text(by_orm_core)
        log = db.session.get(ReviewLog, precompiled)
        assert log.reviewed_at == LOG_VALUES["reviewed_at"]
        assert log.reviewed_at.tzinfo == UTC
        assert log.state_before == LOG_VALUES["state_before"]
        assert log.cram is True and log.duration_ms is None


def test_precompiled_update_applies_the_statements_own_constants(app, seeded):
    """``reps + 1`` binds its 1 as a parameter the caller never names."""
    with app.app_context():
        _user_id, _item_id, state_id = _ids(seeded)
        table = CardState.__table__
        update = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("card_state_id"))
            .values(reps=table.c.reps + 1, due=sa.bindparam("new_due"))
        )
        due = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
        for _ in range(2):
            written = execute_dml(db.session, update, {"card_state_id": state_id, "new_due": due})
            assert written.rowcount == 1
        db.session.commit()
        state = db.session.get(CardState, state_id, populate_existing=True)
        assert (state.reps, state.due) == (2, due)


def test_a_violated_constraint_still_raises_sqlalchemys_error(app, seeded):
    """Callers catch IntegrityError: the precompiled path keeps SQLAlchemy's translation."""
    with app.app_context():
        user_id, item_id, state_id = _ids(seeded)
        db.session.commit()
        values = {"card_state_id": state_id, "user_id": user_id, "item_id": item_id, **LOG_VALUES}
        insert = sa.insert(ReviewLog.__table__)
        execute_dml(db.session, insert, values)
        with pytest.raises(sa.exc.IntegrityError):
            execute_dml(db.session, insert, values)  # the same idempotency key again
        db.session.rollback()
        assert db.session.get(User, user_id) is not None
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 0
