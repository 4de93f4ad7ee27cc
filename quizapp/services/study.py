"""Learner use cases: quiz attempts with exactly-once answers, and flashcard reviews."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quizapp.domain import analytics, grading, scheduling
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptMode,
    CardState,
    Item,
    ItemStatus,
    MatchRecord,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)
from quizapp.services.sets import learner_items

QUIZ_TYPES = (
    "mcq", "multi", "true_false", "cloze", "matching", "short_answer", "numerical", "essay",
    "description",
)  # fmt: skip


class StudyError(ValueError):
    """A learner action that cannot be done (finished attempt, item not in the attempt...)."""


class TimeUp(StudyError):
    """The answer came after the time limit; the attempt has been finished."""


@dataclass(frozen=True)
class Recorded:
    """The stored response and whether this call created it (False for a repeat)."""

    response: Response
    created: bool


# A test answer arriving this long after the time limit still counts (network latency).
TIME_LIMIT_GRACE = timedelta(seconds=5)


def test_attempts_left(user: User, study_set: StudySet) -> int | None:
    """How many test attempts the learner has left (None: unlimited)."""
    if not study_set.test_max_attempts:
        return None
    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(
            Attempt.user_id == user.id,
            Attempt.set_id == study_set.id,
            Attempt.mode == AttemptMode.TEST,
        )
    )
    return max(study_set.test_max_attempts - (used or 0), 0)


def start_attempt(
    user: User, study_set: StudySet, mode: str = AttemptMode.PRACTICE, *, seed: int | None = None
) -> Attempt:
    """Start a quiz over the set's gradable items; test mode shuffles and may be limited."""
    if mode not in (AttemptMode.PRACTICE, AttemptMode.TEST):
        raise StudyError(f"unknown quiz mode {mode!r}")
    item_ids = [item.id for item in learner_items(study_set, types=QUIZ_TYPES)]
    if not item_ids:
        raise StudyError("this set has no quiz questions yet")
    time_limit = None
    if mode == AttemptMode.TEST:
        if test_attempts_left(user, study_set) == 0:
            raise StudyError("you have used all your test attempts for this set")
        random.Random(seed).shuffle(item_ids)  # noqa: S311 - order, not security
        time_limit = study_set.test_time_limit_s
    attempt = Attempt(
        user_id=user.id, set_id=study_set.id, mode=mode, item_ids=item_ids,
        time_limit_s=time_limit,
    )  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    return attempt


def wrong_item_ids(user: User, study_set: StudySet) -> list[int]:
    """Items of the set whose latest answer by this learner was not fully right."""
    latest = (
        sa.select(Response.item_id, sa.func.max(Response.id).label("last_id"))
        .join(Item, Item.id == Response.item_id)
        .where(Response.user_id == user.id, Item.set_id == study_set.id)
        .group_by(Response.item_id)
        .subquery()
    )
    wrong = set(
        db.session.scalars(
            sa.select(Response.item_id)
            .join(latest, latest.c.last_id == Response.id)
            .where(Response.correct.is_(False))
        )
    )
    visible = {item.id: item for item in learner_items(study_set, types=QUIZ_TYPES)}
    return [item_id for item_id in visible if item_id in wrong]


def start_mistakes_attempt(user: User, study_set: StudySet) -> Attempt:
    """A practice quiz of the items this learner got wrong most recently."""
    item_ids = wrong_item_ids(user, study_set)
    if not item_ids:
        raise StudyError("no mistakes to review: your latest answers are all right")
    attempt = Attempt(
        user_id=user.id, set_id=study_set.id, mode=AttemptMode.PRACTICE, item_ids=item_ids,
        purpose="mistakes",
    )  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    return attempt


def deadline(attempt: Attempt) -> datetime | None:
    """When a timed attempt ends."""
    if not attempt.time_limit_s:
        return None
    return attempt.started_at + timedelta(seconds=attempt.time_limit_s)


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    end = deadline(attempt)
    return end is not None and (now or utcnow()) > end + TIME_LIMIT_GRACE


def answered_ids(attempt: Attempt) -> set[int]:
    return set(
        db.session.scalars(sa.select(Response.item_id).where(Response.attempt_id == attempt.id))
    )


def next_item_id(attempt: Attempt) -> int | None:
    """The first item of the attempt not yet answered, so a reload resumes where it was."""
    done = answered_ids(attempt)
    return next((i for i in attempt.item_ids if i not in done), None)


def record_answer(
    attempt: Attempt, item: Item, answer: Any, idempotency_key: str | None = None
) -> Recorded:
    """Grade and store an answer once; repeating it returns the first response unchanged."""
    if item.id not in attempt.item_ids:
        raise StudyError("that question is not part of this attempt")
    existing = _find_response(attempt.id, item.id)
    if existing is not None:
        return Recorded(existing, created=False)
    if attempt.finished_at is not None:
        raise StudyError("this attempt is finished")
    if is_overdue(attempt):
        finish_attempt(attempt)
        raise TimeUp("time is up: answers after the time limit are not counted")
    response = Response(
        attempt_id=attempt.id, item_id=item.id, user_id=attempt.user_id, answer=answer,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    if item.type == "description":  # read, not answered: worth nothing
        response.correct, response.score, response.max_score = True, 0.0, 0.0
    elif item.type == "essay":  # the instructor grades it in the gradebook
        if not isinstance(answer, str):
            raise grading.AnswerRejected("expected the essay as text")
        response.correct, response.score = False, 0.0
        response.max_score, response.needs_grading = float(item.points or 1.0), True
    else:
        result = grading.grade(item, answer)
        response.correct, response.score = result.correct, result.score
        response.max_score = result.max_score
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # A concurrent request stored it first: answers are recorded exactly once.
        existing = _find_response(attempt.id, item.id)
        if existing is None:
            raise
        return Recorded(existing, created=False)
    return Recorded(response, created=True)


def _find_response(attempt_id: int, item_id: int) -> Response | None:
    return db.session.scalar(
        sa.select(Response).where(Response.attempt_id == attempt_id, Response.item_id == item_id)
    )


def finish_attempt(attempt: Attempt) -> Attempt:
    """Close the attempt and total its score over all its items (unanswered count as 0)."""
    if attempt.finished_at is None:
        points = dict(
            db.session.execute(
                sa.select(Item.id, Item.points).where(
                    Item.id.in_(attempt.item_ids), Item.type != "description"
                )
            ).all()
        )
        scored = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Response.score), 0.0)).where(
                Response.attempt_id == attempt.id
            )
        )
        attempt.score = round(float(scored or 0.0), 4)
        attempt.max_score = round(sum(float(p or 1.0) for p in points.values()), 4)
        attempt.finished_at = utcnow()
        db.session.flush()
        if attempt.lti_link_id is not None:
            # Launched from an LMS: queue the grade passback in this same transaction.
            from quizapp.services import lti_ags

            lti_ags.on_attempt_finished(attempt)
    return attempt


# --- flashcards ------------------------------------------------------------------------


def _snapshot(state: CardState) -> scheduling.CardSnapshot:
    return scheduling.CardSnapshot(
        state.state, state.step, state.stability, state.difficulty, state.due, state.last_review
    )


def card_queue(
    user: User,
    study_set: StudySet | None = None,
    *,
    limit: int = 1,
    now: datetime | None = None,
) -> list[tuple[Item, CardState | None]]:
    """Cards to study now: due cards (most overdue first), then new cards within the daily
    limit, ``limit`` in all. A new card comes with state None.

    Without a set, due cards come from every set and new cards from the sets the learner
    has already started.
    """
    now = now or utcnow()
    due_query = (
        sa.select(Item, CardState)
        .join(CardState, CardState.item_id == Item.id)
        .where(
            CardState.user_id == user.id,
            CardState.due <= now,
            Item.status == ItemStatus.PUBLISHED,
        )
        .order_by(CardState.due, CardState.id)
        .limit(limit)
    )
    if study_set is not None:
        due_query = due_query.where(CardState.set_id == study_set.id)
    cards: list[tuple[Item, CardState | None]] = [
        (item, state) for item, state in db.session.execute(due_query).all()
    ]
    room = min(limit - len(cards), new_cards_left_today(user, now))
    if room <= 0:
        return cards
    seen = sa.select(CardState.item_id).where(CardState.user_id == user.id)
    new_query = (
        sa.select(Item)
        .join(StudySet, StudySet.id == Item.set_id)
        .where(
            Item.type == "flashcard",
            Item.status == ItemStatus.PUBLISHED,
            StudySet.status == "published",
            Item.id.not_in(seen),
        )
        .order_by(Item.set_id, Item.position, Item.id)
        .limit(room)
    )
    if study_set is not None:
        new_query = new_query.where(Item.set_id == study_set.id)
    else:
        started = sa.select(CardState.set_id).where(CardState.user_id == user.id)
        new_query = new_query.where(Item.set_id.in_(started))
    return cards + [(item, None) for item in db.session.scalars(new_query)]


def next_card(
    user: User, study_set: StudySet | None = None, now: datetime | None = None
) -> tuple[Item | None, CardState | None]:
    """The next flashcard to show (see card_queue), or (None, None) when nothing is left."""
    queue = card_queue(user, study_set, limit=1, now=now)
    return queue[0] if queue else (None, None)


def new_cards_left_today(user: User, now: datetime) -> int:
    """The learner's daily limit of new cards minus those started since midnight UTC."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    started = (
        db.session.scalar(
            sa.select(sa.func.count(CardState.id)).where(
                CardState.user_id == user.id, CardState.created_at >= midnight
            )
        )
        or 0
    )
    return max(user.daily_new_limit - started, 0)


def review_card(
    user: User,
    item: Item,
    rating: int,
    *,
    expected_reps: int | None = None,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> CardState:
    """Rate a flashcard with FSRS and log it; a repeated submit (same reps) changes nothing."""
    now = now or utcnow()
    state = db.session.scalar(
        sa.select(CardState).where(CardState.user_id == user.id, CardState.item_id == item.id)
    )
    if state is None:
        state = CardState(
            user_id=user.id,
            item_id=item.id,
            set_id=item.set_id,
            due=now,
            state=1,
            step=0,
            reps=0,
            lapses=0,
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(state)
        except IntegrityError:
            state = db.session.scalar(
                sa.select(CardState).where(
                    CardState.user_id == user.id, CardState.item_id == item.id
                )
            )
    if expected_reps is not None and state.reps != expected_reps:
        return state  # the same rating submitted twice: already applied
    before = _snapshot(state)
    after = scheduling.review(
        before, rating, now, desired_retention=user.desired_retention, card_id=state.id
    )
    if rating == 1 and before.state == 2:
        state.lapses += 1
    state.state, state.step, state.stability = after.state, after.step, after.stability
    state.difficulty, state.due, state.last_review = after.difficulty, after.due, after.last_review
    state.reps += 1
    db.session.add(
        ReviewLog(
            card_state_id=state.id,
            user_id=user.id,
            item_id=item.id,
            rating=rating,
            reviewed_at=now,
            duration_ms=duration_ms,
            state_before=before.to_json() | {"desired_retention": user.desired_retention},
            state_after=after.to_json(),
        )
    )
    db.session.flush()
    return state


def due_counts(
    user: User, study_set: StudySet | None = None, now: datetime | None = None, days: int = 7
) -> list[int]:
    """How many of the learner's cards fall due today and on each following day."""
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    query = sa.select(CardState.due).where(
        CardState.user_id == user.id, CardState.due < midnight + timedelta(days=days)
    )
    if study_set is not None:
        query = query.where(CardState.set_id == study_set.id)
    return analytics.due_forecast(db.session.scalars(query), now, days)


def cram_card(user: User, study_set: StudySet) -> Item | None:
    """The flashcard crammed least recently (never-crammed first), ignoring the schedule."""
    last_seen = (
        sa.select(ReviewLog.item_id, sa.func.max(ReviewLog.reviewed_at).label("seen"))
        .where(ReviewLog.user_id == user.id)
        .group_by(ReviewLog.item_id)
        .subquery()
    )
    return db.session.scalar(
        sa.select(Item)
        .outerjoin(last_seen, last_seen.c.item_id == Item.id)
        .where(
            Item.set_id == study_set.id,
            Item.type == "flashcard",
            Item.status == ItemStatus.PUBLISHED,
        )
        .order_by(last_seen.c.seen.is_not(None), last_seen.c.seen, Item.position, Item.id)
        .limit(1)
    )


def cram_review(
    user: User,
    item: Item,
    rating: int,
    *,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> ReviewLog:
    """Log a cram review: recorded for history, but the FSRS state does not move."""
    if rating not in scheduling.RATINGS:
        raise StudyError("rating must be 1 to 4")
    now = now or utcnow()
    state = db.session.scalar(
        sa.select(CardState).where(CardState.user_id == user.id, CardState.item_id == item.id)
    )
    snapshot = _snapshot(state).to_json() if state else {}
    log = ReviewLog(
        card_state_id=state.id if state else None, user_id=user.id, item_id=item.id,
        rating=rating, reviewed_at=now, duration_ms=duration_ms, cram=True,
        state_before=snapshot, state_after=snapshot,
    )  # fmt: skip
    db.session.add(log)
    db.session.flush()
    return log


def record_match_time(user: User, study_set: StudySet, elapsed_ms: int) -> MatchRecord:
    """Keep the learner's best Match time for the set."""
    record = db.session.scalar(
        sa.select(MatchRecord).where(
            MatchRecord.user_id == user.id, MatchRecord.set_id == study_set.id
        )
    )
    if record is None:
        record = MatchRecord(user_id=user.id, set_id=study_set.id, best_ms=elapsed_ms, plays=1)
        db.session.add(record)
    else:
        record.best_ms = min(record.best_ms, elapsed_ms)
        record.plays += 1
    db.session.flush()
    return record
