"""Study services without the web layer: exactly-once answers and replayable reviews."""

from datetime import timedelta

import sqlalchemy as sa

from quizapp import create_app
from quizapp.domain import scheduling
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    CardState,
    Item,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)
from quizapp.services import accounts, banks, sets, study

from support import SEED_ARTICLE, count_queries, run_together


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

    def answer() -> None:
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            item = db.session.get(Item, item_id)
            study.record_answer(
                attempt,
                item,
                item.answers[0] if item.type != "matching" else [list(p) for p in item.pairs],
            )
            db.session.commit()

    run_together([answer] * 8)  # all at once, before any takes the database's write lock
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(Response.attempt_id == attempt_id)
        )
        assert count == 1
        assert db.session.get(User, 1) is not None
        db.engine.dispose()


def test_concurrent_card_reviews_never_hit_database_is_locked(tmp_path):
    """Writers queue for SQLite's write lock (BEGIN IMMEDIATE at the first write), not fail."""
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

    def learner(user_id: int) -> None:
        for card_id in card_ids:
            with app.app_context():
                study.review_card(db.session.get(User, user_id), db.session.get(Item, card_id), 3)
                db.session.commit()

    run_together([lambda u=u: learner(u) for u in user_ids])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 80
        db.engine.dispose()


def test_ratings_of_one_card_at_the_same_moment_all_apply_none_lost(app, seeded):
    """Without a reps to match (the API), simultaneous ratings of one card each apply once:
    a rating whose UPDATE finds the card rated meanwhile reads it again."""
    with app.app_context():
        user_id = accounts.create_guest().id
        card = sets.learner_items(db.session.get(sets.StudySet, seeded), types=("flashcard",))[0]
        card_id = card.id
        study.review_card(db.session.get(User, user_id), card, 3)
        db.session.commit()

    def rate() -> None:
        with app.app_context():
            study.review_card(db.session.get(User, user_id), db.session.get(Item, card_id), 3)
            db.session.commit()

    run_together([rate] * 6)
    with app.app_context():
        state = db.session.scalar(sa.select(CardState).where(CardState.user_id == user_id))
        logs = db.session.scalars(
            sa.select(ReviewLog).where(ReviewLog.card_state_id == state.id).order_by(ReviewLog.id)
        ).all()
        assert state.reps == 7 and len(logs) == 7
        # Each rating started from the state the one before it left: a chain, nothing lost.
        for earlier, later in zip(logs, logs[1:], strict=False):
            assert later.state_before["due"] == earlier.state_after["due"]


def test_due_counts_buckets_overdue_today_and_each_following_day(app, seeded):
    with app.app_context():
        user = accounts.create_guest()
        study_set = db.session.get(sets.StudySet, seeded)
        cards = sets.learner_items(study_set, types=("flashcard",))
        now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
        midnight = now.replace(hour=0)
        dues = [
            now - timedelta(days=3),  # overdue: today
            midnight + timedelta(hours=23, minutes=59),  # today
            midnight + timedelta(days=1),  # exactly tomorrow's midnight: tomorrow
            midnight + timedelta(days=6, hours=5),  # the 7th day
            midnight + timedelta(days=7),  # beyond the window
        ]
        for card, due in zip(cards, dues, strict=False):
            state_id = study.review_card(user, card, 3, now=now)
            db.session.execute(  # placed by hand
                sa.update(CardState).where(CardState.id == state_id).values(due=due)
            )
        assert study.due_counts(user, study_set, now=now) == [2, 1, 0, 0, 0, 0, 1]
        assert study.due_counts(user, now=now) == [2, 1, 0, 0, 0, 0, 1]
        other = accounts.create_guest()
        assert study.due_counts(other, study_set, now=now) == [0] * 7


def _guest_with_daily_limit(set_id, limit):
    """A new guest allowed ``limit`` new cards a day, the seeded set and its cards."""
    user = accounts.create_guest()
    user.daily_new_limit = limit
    study_set = db.session.get(sets.StudySet, set_id)
    return user, study_set, sets.learner_items(study_set, types=("flashcard",))


def test_new_cards_come_from_started_sets_within_the_daily_limit(app, seeded):
    with app.app_context():
        user, study_set, cards = _guest_with_daily_limit(seeded, 3)
        now = utcnow()
        # Study now offers nothing new from a set the learner never opened.
        assert study.next_card(user, now=now) == (None, None)
        first, state = study.next_card(user, study_set, now=now)
        assert (first, state) == (cards[0], None)
        study.review_card(user, first, 4, now=now)
        # Now the set is started: Study now offers its next unseen card.
        assert study.next_card(user, now=now + timedelta(seconds=1)) == (cards[1], None)
        queue = study.card_queue(user, study_set, limit=10, now=now + timedelta(seconds=1))
        assert [item for item, state in queue if state is None] == cards[1:3]
        for card in cards[1:3]:
            study.review_card(user, card, 4, now=now)
        # Three new cards today: the limit is reached, and nothing is due yet.
        assert study.next_card(user, study_set, now=now + timedelta(seconds=2)) == (None, None)


def test_card_page_serves_what_next_card_and_due_counts_serve(app, seeded):
    """The flashcard page's one-statement-fewer path keeps the queue's rules: due cards
    first, new cards within the daily limit, nothing once the limit is reached."""
    with app.app_context():
        user, study_set, cards = _guest_with_daily_limit(seeded, 2)
        # Noon: "an hour later" below must still be today (the daily limit counts from
        # midnight UTC; run after 23:00 UTC, an hour later was tomorrow, with a fresh limit).
        now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)

        def both_ways(at, in_set=True):
            scope = study_set if in_set else None
            page = study.card_page(user, scope, now=at)
            assert (page.item, page.state) == study.next_card(user, scope, now=at)
            assert page.due == study.due_counts(user, scope, now=at)
            return page

        assert both_ways(now).item == cards[0]
        study.review_card(user, cards[0], 1, now=now)  # Again: due again in minutes
        assert both_ways(now + timedelta(seconds=1)).item == cards[1]  # new, within limit
        later = now + timedelta(hours=1)
        due_again = both_ways(later)
        assert due_again.item == cards[0] and due_again.state is not None
        assert due_again.due[0] == 1
        assert both_ways(later, in_set=False).item == cards[0]  # Study now, every set
        study.review_card(user, cards[1], 4, now=now)
        study.review_card(user, cards[0], 4, now=later)
        # Two cards started today: the limit is reached and nothing is due.
        done = both_ways(later + timedelta(seconds=1))
        assert done.item is None and done.state is None
        assert both_ways(later + timedelta(seconds=1), in_set=False).item is None
        # A set taken off the shelf: cards already due still come, new ones do not.
        user.daily_new_limit = 20
        study_set.status = "draft"
        weeks_later = later + timedelta(weeks=8)
        assert both_ways(weeks_later).item in (cards[0], cards[1])
        for card in cards[:2]:
            study.review_card(user, card, 4, now=weeks_later)
        assert both_ways(weeks_later + timedelta(seconds=1)).item is None
        study_set.status = "published"
        assert both_ways(weeks_later + timedelta(seconds=1)).item == cards[2]


def test_cram_serves_the_card_seen_least_recently(app, seeded):
    with app.app_context():
        user = accounts.create_guest()
        study_set = db.session.get(sets.StudySet, seeded)
        cards = sets.learner_items(study_set, types=("flashcard",))
        now = utcnow()
        assert study.cram_card(user, study_set) == cards[0]  # never crammed, first in order
        for offset, card in enumerate(cards):
            study.cram_review(user, card, 3, now=now + timedelta(minutes=offset))
        study.cram_review(user, cards[0], 3, now=now + timedelta(days=1))
        db.session.flush()
        assert study.cram_card(user, study_set) == cards[1]
        # Another learner's history does not count.
        assert study.cram_card(accounts.create_guest(), study_set) == cards[0]


def _flashcard_set(title: str, cards: int, status: str = "published") -> StudySet:
    study_set = StudySet(title=title, status="published")
    study_set.items = [
        Item(uid=f"{title}-{n}", position=n, type="flashcard", status=status,
             prompt=f"{title} front {n}", back=f"back {n}")
        for n in range(cards)
    ]  # fmt: skip
    db.session.add(study_set)
    db.session.flush()
    return study_set


def test_study_now_skips_caught_up_sets_until_one_gains_a_card(app):
    """A learner who has seen every card of their sets gets "nothing new" from Study now
    without a search per set; a card added, published or imported into a set is served."""
    with app.app_context():
        user = accounts.create_guest()
        user.daily_new_limit = 1000
        sets_ = [_flashcard_set(f"set{n}", 2) for n in range(6)]
        draft = Item(uid="draft", position=9, type="flashcard", status="draft",
                     prompt="not yet", set_id=sets_[2].id)  # fmt: skip
        db.session.add(draft)
        now = utcnow()
        for study_set in sets_:
            for card in study_set.items:
                if card.status == "published":
                    study.review_card(user, card, 4, now=now)
        db.session.commit()
        later = now + timedelta(minutes=1)  # nothing due yet (Easy: days away)

        with count_queries(app) as searching:
            first = study.card_queue(user, now=later)
        db.session.commit()
        with count_queries(app) as skipping:
            again = study.card_queue(user, now=later)
        assert first == again == []
        searching, skipping = searching["n"], skipping["n"]
        # The first time one search per set; then none: a few statements for any number.
        assert searching >= skipping + len(sets_)
        assert skipping < len(sets_)

        # A card added to set 4 through the ORM: served.
        added = Item(uid="new", position=9, type="flashcard", status="published",
                     prompt="added later", set_id=sets_[4].id)  # fmt: skip
        db.session.add(added)
        db.session.commit()
        assert study.card_queue(user, now=later) == [(added, None)]
        study.review_card(user, added, 4, now=now)
        db.session.commit()
        assert study.card_queue(user, now=later) == []

        # The draft card of set 2 published: served.
        draft.status = "published"
        db.session.commit()
        assert study.card_queue(user, now=later) == [(draft, None)]
        study.review_card(user, draft, 4, now=now)
        db.session.commit()
        assert study.card_queue(user, now=later) == []

        # A bank imported into set 5 (one bulk INSERT, no ORM flush of items): served.
        sets_[5].title = "imported into"
        db.session.commit()
        banks.import_bank(
            b"front,back\nimported term,imported definition\n", filename="terms.csv",
            set_name="imported into",
            publish=True,
        )  # fmt: skip
        db.session.commit()
        queue = study.card_queue(user, now=later)
        assert [item.set_id for item, _state in queue] == [sets_[5].id]


def test_a_card_published_during_the_search_is_not_hidden_by_it(app):
    """The version recorded is the one read before the search: a card published between
    the search and the record leaves the record behind."""
    with app.app_context():
        user = accounts.create_guest()
        study_set = _flashcard_set("raced", 1)
        now = utcnow()
        study.review_card(user, study_set.items[0], 4, now=now)
        db.session.commit()
        later = now + timedelta(minutes=1)
        version = study_set.cards_version
        published = Item(uid="raced", position=2, type="flashcard", status="published",
                         prompt="published meanwhile", set_id=study_set.id)  # fmt: skip
        db.session.add(published)
        db.session.commit()
        # What a search that began before the commit would record:
        study._record_caught_up(user, study_set.id, version)
        db.session.commit()
        assert study.card_queue(user, now=later) == [(published, None)]
