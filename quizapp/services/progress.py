"""A learner's progress: dashboard numbers and their own CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from quizapp.domain import analytics
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    CardState,
    Item,
    ItemStatus,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)

QUIZ_TYPES = ("mcq", "multi", "true_false", "cloze", "matching", "short_answer", "numerical")


@dataclass
class SetProgress:
    study_set: StudySet
    mastery: analytics.Mastery
    accuracy: dict[str, tuple[int, int]]
    forecast: list[int]


@dataclass
class Dashboard:
    sets: list[SetProgress] = field(default_factory=list)
    forecast: list[int] = field(default_factory=list)
    streak: int = 0
    history: list[tuple[str, int]] = field(default_factory=list)
    history_svg: str = ""
    answered: int = 0
    reviewed: int = 0


def dashboard(user: User, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries whatever the data size."""
    now = now or utcnow()
    answers = db.session.execute(
        sa.select(
            Response.item_id,
            Response.created_at,
            Response.correct,
            Item.provenance_kind,
            Item.set_id,
        )
        .join(Item, Item.id == Response.item_id)
        .where(Response.user_id == user.id)
    ).all()
    cards = db.session.execute(
        sa.select(CardState.set_id, CardState.state, CardState.due).where(
            CardState.user_id == user.id
        )
    ).all()
    set_ids = {row.set_id for row in answers} | {row.set_id for row in cards}
    study_sets = list(
        db.session.scalars(
            sa.select(StudySet).where(StudySet.id.in_(set_ids)).order_by(StudySet.title)
        )
    )
    item_rows = db.session.execute(
        sa.select(Item.id, Item.set_id, Item.type).where(
            Item.set_id.in_(set_ids), Item.status == ItemStatus.PUBLISHED
        )
    ).all()
    board = Dashboard()
    for study_set in study_sets:
        rows = [
            analytics.AnswerRow(a.item_id, a.created_at, a.correct, a.provenance_kind)
            for a in answers
            if a.set_id == study_set.id
        ]
        quiz_ids = [r.id for r in item_rows if r.set_id == study_set.id and r.type in QUIZ_TYPES]
        n_cards = sum(1 for r in item_rows if r.set_id == study_set.id and r.type == "flashcard")
        set_cards = [c for c in cards if c.set_id == study_set.id]
        board.sets.append(
            SetProgress(
                study_set=study_set,
                mastery=analytics.mastery(quiz_ids, rows, [c.state for c in set_cards], n_cards),
                accuracy=analytics.accuracy_by_kind(rows),
                forecast=analytics.due_forecast([c.due for c in set_cards], now),
            )
        )
    board.forecast = analytics.due_forecast([c.due for c in cards], now)
    since = now - timedelta(days=31)
    reviews = list(
        db.session.scalars(
            sa.select(ReviewLog.reviewed_at).where(
                ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= since
            )
        )
    )
    recent_answers = [a.created_at for a in answers if a.created_at >= since]
    activity = analytics.daily_activity(reviews + recent_answers, now.date())
    board.history = [(day.isoformat(), count) for day, count in activity]
    board.history_svg = analytics.bar_chart_svg(
        board.history, title="Questions answered and cards reviewed per day, last 30 days"
    )
    all_days = {a.created_at.date() for a in answers} | {r.date() for r in reviews}
    board.streak = analytics.streak(all_days, now.date())
    board.answered, board.reviewed = len(answers), len(reviews)
    return board


def export_csv(user: User) -> str:
    """The learner's own answers and reviews, one row each, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "kind",
            "time",
            "set",
            "item_type",
            "prompt",
            "answer",
            "correct",
            "score",
            "rating",
            "mode",
        ]
    )
    rows = db.session.execute(
        sa.select(Response, Item, StudySet.title, Attempt.mode)
        .join(Item, Item.id == Response.item_id)
        .join(StudySet, StudySet.id == Item.set_id)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .where(Response.user_id == user.id)
        .order_by(Response.created_at)
    )
    for response, item, title, mode in rows:
        writer.writerow(
            [
                "answer",
                response.created_at.isoformat(),
                title,
                item.type,
                item.prompt,
                response.answer,
                response.correct,
                response.score,
                "",
                mode,
            ]
        )
    reviews = db.session.execute(
        sa.select(ReviewLog, Item, StudySet.title)
        .join(Item, Item.id == ReviewLog.item_id)
        .join(StudySet, StudySet.id == Item.set_id)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.reviewed_at)
    )
    for log, item, title in reviews:
        writer.writerow(
            [
                "review",
                log.reviewed_at.isoformat(),
                title,
                item.type,
                item.prompt,
                "",
                "",
                "",
                log.rating,
                "cram" if log.cram else "scheduled",
            ]
        )
    return out.getvalue()


def delete_account(user: User) -> None:
    """Delete the user and, through cascades, every answer, card state and review of theirs."""
    for model in (ReviewLog, CardState, Response, Attempt):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.delete(user)
    db.session.flush()
