"""Class results: the gradebook, essay grading, and Moodle-style item analysis."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from quizapp.domain.item_analysis import AttemptScores, ItemStatistics, analyse, choose_attempts
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptMode,
    Course,
    Item,
    Response,
    StudySet,
    User,
)
from quizapp.services import classes


@dataclass(frozen=True)
class GradeCell:
    best_percent: float | None
    attempts: int
    last_activity: datetime | None


@dataclass
class Gradebook:
    course: Course
    sets: list[StudySet]
    learners: list[User]
    cells: dict[tuple[int, int], GradeCell]

    def cell(self, user: User, study_set: StudySet) -> GradeCell:
        return self.cells.get((user.id, study_set.id), GradeCell(None, 0, None))


def gradebook(course: Course) -> Gradebook:
    """Learner × assigned set: best score, number of attempts, last activity (one query)."""
    sets = [s for _a, s in classes.assignments(course)]
    people = classes.learners(course)
    percent = sa.case((Attempt.max_score > 0, 100.0 * Attempt.score / Attempt.max_score))
    rows = db.session.execute(
        sa.select(
            Attempt.user_id,
            Attempt.set_id,
            sa.func.max(percent),
            sa.func.count(Attempt.id),
            sa.func.max(sa.func.coalesce(Attempt.finished_at, Attempt.started_at)),
        )
        .where(
            Attempt.user_id.in_([u.id for u in people]), Attempt.set_id.in_([s.id for s in sets])
        )
        .group_by(Attempt.user_id, Attempt.set_id)
    )
    cells = {
        (u, s): GradeCell(round(best, 1) if best is not None else None, n, last)
        for u, s, best, n, last in rows
    }
    return Gradebook(course, sets, people, cells)


def gradebook_csv(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["learner"]
    for study_set in book.sets:
        header += [
            f"{study_set.title} best %",
            f"{study_set.title} attempts",
            f"{study_set.title} last activity",
        ]
    writer.writerow(header)
    for user in book.learners:
        row: list[object] = [user.username]
        for study_set in book.sets:
            cell = book.cell(user, study_set)
            row += [
                "" if cell.best_percent is None else cell.best_percent,
                cell.attempts,
                cell.last_activity.isoformat() if cell.last_activity else "",
            ]
        writer.writerow(row)
    return out.getvalue()


def essays_to_grade(study_set: StudySet) -> list[tuple[Response, Item, User]]:
    return [
        (r, i, u)
        for r, i, u in db.session.execute(
            sa.select(Response, Item, User)
            .join(Item, Item.id == Response.item_id)
            .join(User, User.id == Response.user_id)
            .where(Item.set_id == study_set.id, Response.needs_grading.is_(True))
            .order_by(Response.created_at)
        )
    ]


def grade_essay(response: Response, grader: User, fraction: float, feedback: str) -> None:
    """Give an essay its score (a share of its points) and refresh the attempt's total."""
    fraction = min(max(fraction, 0.0), 1.0)
    response.score = round(fraction * response.max_score, 4)
    response.correct = fraction >= 0.999
    response.needs_grading = False
    response.graded_by, response.grader_feedback = grader.id, feedback or None
    attempt = response.attempt
    if attempt.finished_at is not None:
        attempt.score = round(
            float(
                db.session.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(Response.score), 0.0)).where(
                        Response.attempt_id == attempt.id
                    )
                )
                or 0.0
            ),
            4,
        )
    db.session.flush()


def item_statistics(
    study_set: StudySet,
    *,
    which: str = "all",
    include_practice: bool = False,
    course: Course | None = None,
) -> list[tuple[Item, ItemStatistics]]:
    """Item analysis of a set's quiz over the attempts that count.

    ``which`` picks each learner's first, last or all attempts; test attempts only unless
    ``include_practice``; only the class's learners when ``course`` is given.
    """
    modes = [AttemptMode.TEST] + ([AttemptMode.PRACTICE] if include_practice else [])
    query = sa.select(Attempt).where(
        Attempt.set_id == study_set.id, Attempt.mode.in_(modes), Attempt.purpose.is_(None)
    )
    if course is not None:
        query = query.where(Attempt.user_id.in_([u.id for u in classes.learners(course)]))
    attempts = [a for a in db.session.scalars(query) if a.finished_at or a.responses]
    counted = choose_attempts([(a.id, a.user_id, a.started_at) for a in attempts], which)
    attempts = [a for a in attempts if a.id in counted]
    item_ids = sorted({i for a in attempts for i in a.item_ids})
    items = {i.id: i for i in db.session.scalars(sa.select(Item).where(Item.id.in_(item_ids)))}
    responses: dict[int, dict[int, Response]] = {}
    for response in db.session.scalars(
        sa.select(Response).where(Response.attempt_id.in_([a.id for a in attempts]))
    ):
        responses.setdefault(response.attempt_id, {})[response.item_id] = response
    rows = []
    for attempt in attempts:
        given = responses.get(attempt.id, {})
        gradable = [i for i in attempt.item_ids if i in items and items[i].type != "description"]
        rows.append(
            AttemptScores(
                attempt.id,
                attempt.user_id,
                {i: given[i].score if i in given else 0.0 for i in gradable},
                {i: float(items[i].points or 1.0) for i in gradable},
                {i: given[i].answer for i in gradable if i in given},
            )
        )
    ordered = sorted(items.values(), key=lambda i: (i.position, i.id))
    stats = {s.item_id: s for s in analyse([i.id for i in ordered], rows)}
    return [(item, stats[item.id]) for item in ordered if item.id in stats]
