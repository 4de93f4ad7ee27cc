"""An instructor's gradebook of one set: each learner's best score, attempts and last activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, Response, StudySet, User


@dataclass(frozen=True)
class GradebookRow:
    """One learner's results on a set; best_* are None until an attempt is finished."""

    user_id: int
    username: str
    attempts: int
    finished: int
    best_score: float | None
    best_max_score: float | None
    last_activity: datetime

    @property
    def best_percent(self) -> float | None:
        """The best attempt's score as a percentage of its maximum."""
        if self.best_score is None or not self.best_max_score:
            return None
        return round(100 * self.best_score / self.best_max_score, 2)


def set_gradebook(study_set: StudySet) -> list[GradebookRow]:
    """Every learner with an attempt at the set, by username; computed from Attempt rows.

    Last activity is the latest start, answer or finish of any of the learner's attempts.
    """
    last_answer = (
        sa.select(Response.attempt_id, sa.func.max(Response.created_at).label("at"))
        .where(Response.attempt_id.in_(sa.select(Attempt.id).where(Attempt.set_id == study_set.id)))
        .group_by(Response.attempt_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Attempt, User.username, last_answer.c.at)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(last_answer, last_answer.c.attempt_id == Attempt.id)
        .where(Attempt.set_id == study_set.id)
        .order_by(Attempt.user_id, Attempt.id)
    ).all()
    by_user: dict[int, list[tuple[Attempt, datetime | None]]] = {}
    names: dict[int, str] = {}
    for attempt, username, answered_at in rows:
        by_user.setdefault(attempt.user_id, []).append((attempt, answered_at))
        names[attempt.user_id] = username
    book = [_row(user_id, names[user_id], attempts) for user_id, attempts in by_user.items()]
    return sorted(book, key=lambda row: (row.username.casefold(), row.user_id))


def _row(user_id: int, username: str, rows: list[tuple[Attempt, datetime | None]]) -> GradebookRow:
    attempts = [attempt for attempt, _answered_at in rows]
    finished = [a for a in attempts if a.finished_at is not None and a.score is not None]
    # Best by share of the maximum, so attempts over different item counts compare fairly.
    best = max(
        finished,
        key=lambda a: ((a.score or 0.0) / a.max_score if a.max_score else 0.0, a.score or 0.0),
        default=None,
    )
    last = max(
        max(t for t in (a.started_at, a.finished_at, answered_at) if t is not None)
        for a, answered_at in rows
    )
    return GradebookRow(
        user_id=user_id,
        username=username,
        attempts=len(attempts),
        finished=len(finished),
        best_score=best.score if best else None,
        best_max_score=best.max_score if best else None,
        last_activity=last,
    )
