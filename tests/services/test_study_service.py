"""Study services without the web layer: exactly-once answers and replayable reviews."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from quizapp import create_app
from quizapp.domain import scheduling
from quizapp.extensions import db
from quizapp.models import Attempt, CardState, Item, Response, ReviewLog, User, utcnow
from quizapp.services import accounts, sets, study

from support import SEED_ARTICLE


def test_review_log_replay_reproduces_every_stored_card_state(app, seeded):
    with app.app_context():
        user = accounts.create_guest()
        user.desired_retention = 0.85
        cards = sets.learner_items(db.session.get(sets.StudySet, seeded), types=("flashcard",))
        now = utcnow()
        pattern = [3, 1, 4, 2, 3, 3, 1, 4]
        for offset in range(len(pattern)):
            for n, card in enumerate(cards[:5]):
                study.review_card(
                    user,
                    card,
                    pattern[(offset + n) % len(pattern)],
                    now=now + timedelta(days=offset * 2, minutes=n),
                )
        db.session.commit()
        states = list(db.session.scalars(sa.select(CardState).where(CardState.user_id == user.id)))
        assert len(states) == 5
        for state in states:
            logs = list(
                db.session.scalars(
                    sa.select(ReviewLog)
                    .where(ReviewLog.card_state_id == state.id)
                    .order_by(ReviewLog.reviewed_at)
                )
            )
            assert len(logs) == len(pattern)
            replayed = scheduling.replay(
                [(log.rating, log.reviewed_at) for log in logs],
                logs[0].reviewed_at,
                desired_retention=logs[0].state_before["desired_retention"],
            )
            stored = scheduling.CardSnapshot(
                state.state,
                state.step,
                state.stability,
                state.difficulty,
                state.due,
                state.last_review,
            )
            assert replayed == stored
            assert logs[-1].state_after == stored.to_json()


def test_concurrent_identical_answers_store_one_response(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite'}",
        }
    )
    with app.app_context():
        db.create_all()
        study_set = sets.create_set_from_article(SEED_ARTICLE.read_bytes(), publish=True)
        user = accounts.create_guest()
        attempt = study.start_attempt(user, study_set)
        db.session.commit()
        attempt_id, item_id = attempt.id, attempt.item_ids[0]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            barrier.wait()  # all threads start together, before any takes a database lock
            with app.app_context():
                attempt = db.session.get(Attempt, attempt_id)
                item = db.session.get(Item, item_id)
                study.record_answer(
                    attempt,
                    item,
                    item.answers[0] if item.type != "matching" else [list(p) for p in item.pairs],
                )
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(Response.attempt_id == attempt_id)
        )
        assert count == 1
        assert db.session.get(User, 1) is not None
        db.engine.dispose()


def test_concurrent_card_reviews_never_hit_database_is_locked(tmp_path):
    """Read-then-write transactions start with BEGIN IMMEDIATE, so writers queue, not fail."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}",
        }
    )
    with app.app_context():
        db.create_all()
        study_set = sets.create_set_from_article(SEED_ARTICLE.read_bytes(), publish=True)
        user_ids = [accounts.create_guest().id for _ in range(8)]
        card_ids = [c.id for c in sets.learner_items(study_set, types=("flashcard",))[:10]]
        db.session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(user_ids))

    def learner(user_id: int) -> None:
        barrier.wait()
        for card_id in card_ids:
            try:
                with app.app_context():
                    study.review_card(
                        db.session.get(User, user_id), db.session.get(Item, card_id), 3
                    )
                    db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=learner, args=(u,)) for u in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 80
        db.engine.dispose()
