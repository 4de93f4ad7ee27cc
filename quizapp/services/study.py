"""Learner use cases: quiz attempts with exactly-once answers, and flashcard reviews."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quizapp.domain import grading, scheduling
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptMode,
    CardState,
    Item,
    ItemStatus,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)
from quizapp.services.sets import learner_items

QUIZ_TYPES = ("mcq", "multi", "true_false", "cloze", "matching", "short_answer", "numerical")


class StudyError(ValueError):
    """A learner action that cannot be done (finished attempt, item not in the attempt...)."""


@dataclass(frozen=True)
class Recorded:
    """The stored response and whether this call created it (False for a repeat)."""

    response: Response
    created: bool


def start_attempt(
    user: User, study_set: StudySet, mode: str = AttemptMode.PRACTICE, *, seed: int | None = None
) -> Attempt:
    """Start a quiz over the set's gradable items; test mode shuffles their order."""
    if mode not in (AttemptMode.PRACTICE, AttemptMode.TEST):
        raise StudyError(f"unknown quiz mode {mode!r}")
    item_ids = [item.id for item in learner_items(study_set, types=QUIZ_TYPES)]
    if not item_ids:
        raise StudyError("this set has no quiz questions yet")
    if mode == AttemptMode.TEST:
        random.Random(seed).shuffle(item_ids)  # noqa: S311 - order, not security
    attempt = Attempt(user_id=user.id, set_id=study_set.id, mode=mode, item_ids=item_ids)
    db.session.add(attempt)
    db.session.flush()
    return attempt


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
    result = grading.grade(item, answer)
    response = Response(
        attempt_id=attempt.id,
        item_id=item.id,
        user_id=attempt.user_id,
        answer=answer,
        correct=result.correct,
        score=result.score,
        max_score=result.max_score,
        idempotency_key=idempotency_key,
    )
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
                sa.select(Item.id, Item.points).where(Item.id.in_(attempt.item_ids))
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
    return attempt


# --- flashcards ------------------------------------------------------------------------


def _snapshot(state: CardState) -> scheduling.CardSnapshot:
    return scheduling.CardSnapshot(
        state.state, state.step, state.stability, state.difficulty, state.due, state.last_review
    )


def next_card(
    user: User, study_set: StudySet, now: datetime | None = None
) -> tuple[Item | None, CardState | None]:
    """The next flashcard to study: the most overdue due card, else a new card."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(Item, CardState)
        .join(CardState, CardState.item_id == Item.id)
        .where(
            CardState.user_id == user.id,
            CardState.set_id == study_set.id,
            CardState.due <= now,
            Item.status == ItemStatus.PUBLISHED,
        )
        .order_by(CardState.due)
        .limit(1)
    ).first()
    if due:
        return due[0], due[1]
    if new_cards_left_today(user, now) <= 0:
        return None, None
    seen = sa.select(CardState.item_id).where(
        CardState.user_id == user.id, CardState.set_id == study_set.id
    )
    new = db.session.scalar(
        sa.select(Item)
        .where(
            Item.set_id == study_set.id,
            Item.type == "flashcard",
            Item.status == ItemStatus.PUBLISHED,
            Item.id.not_in(seen),
        )
        .order_by(Item.position, Item.id)
        .limit(1)
    )
    return new, None


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
    user: User, study_set: StudySet, now: datetime | None = None, days: int = 7
) -> list[int]:
    """How many of the learner's cards in the set fall due today and on each following day."""
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    dues = db.session.scalars(
        sa.select(CardState.due).where(
            CardState.user_id == user.id,
            CardState.set_id == study_set.id,
            CardState.due < midnight + timedelta(days=days),
        )
    )
    counts = [0] * days
    for due in dues:
        counts[max((due - midnight).days, 0)] += 1
    return counts
