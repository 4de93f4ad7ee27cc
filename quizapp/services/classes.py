"""Classes: instructors create them, learners join by code, sets get assigned with due dates."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Assignment, Course, Enrollment, SetShare, StudySet, User

# No 0/O or 1/I/L: codes get read aloud and copied from whiteboards.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class ClassError(ValueError):
    """A user-facing problem (unknown code, set not yours...)."""


def new_join_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def create_course(owner: User, name: str) -> Course:
    course = Course(name=name.strip()[:200], owner_id=owner.id, join_code=new_join_code())
    db.session.add(course)
    db.session.flush()
    db.session.add(Enrollment(course_id=course.id, user_id=owner.id, role="instructor"))
    db.session.flush()
    return course


def courses_taught(user: User) -> list[Course]:
    query = sa.select(Course).order_by(Course.created_at.desc(), Course.id.desc())
    if not user.is_admin:
        taught = sa.select(Enrollment.course_id).where(
            Enrollment.user_id == user.id, Enrollment.role == "instructor"
        )
        query = query.where(sa.or_(Course.owner_id == user.id, Course.id.in_(taught)))
    return list(db.session.scalars(query))


def can_teach(user: User, course: Course) -> bool:
    if user.is_admin or course.owner_id == user.id:
        return True
    return bool(
        db.session.scalar(
            sa.select(Enrollment.id).where(
                Enrollment.course_id == course.id,
                Enrollment.user_id == user.id,
                Enrollment.role == "instructor",
            )
        )
    )


def join(user: User, code: str) -> Course:
    """Enrol a learner with a class's join code (joining twice is harmless)."""
    course = db.session.scalar(sa.select(Course).where(Course.join_code == code.strip().upper()))
    if course is None:
        raise ClassError("no class has that code; check it with your teacher")
    exists = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user.id
        )
    )
    if exists is None:
        db.session.add(Enrollment(course_id=course.id, user_id=user.id, role="learner"))
        db.session.flush()
    return course


def learners(course: Course) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course.id, Enrollment.role == "learner")
            .order_by(User.username)
        )
    )


def assign(course: Course, study_set: StudySet, due_at: datetime | None) -> Assignment:
    """Assign a set to a class (again: update the due date)."""
    assignment = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.course_id == course.id, Assignment.set_id == study_set.id
        )
    )
    if assignment is None:
        assignment = Assignment(course_id=course.id, set_id=study_set.id)
        db.session.add(assignment)
    assignment.due_at = due_at
    db.session.flush()
    return assignment


def assignments(course: Course) -> list[tuple[Assignment, StudySet]]:
    return [
        (a, s)
        for a, s in db.session.execute(
            sa.select(Assignment, StudySet)
            .join(StudySet, StudySet.id == Assignment.set_id)
            .where(Assignment.course_id == course.id)
            .order_by(Assignment.due_at, StudySet.title)
        )
    ]


def my_assignments(user: User) -> list[tuple[Course, Assignment, StudySet]]:
    """The sets assigned to the learner's classes, soonest due first."""
    rows = db.session.execute(
        sa.select(Course, Assignment, StudySet)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .join(Assignment, Assignment.course_id == Course.id)
        .join(StudySet, StudySet.id == Assignment.set_id)
        .where(Enrollment.user_id == user.id, Enrollment.role == "learner")
        .order_by(Assignment.due_at, StudySet.title)
    )
    return [(c, a, s) for c, a, s in rows]


def share_set(study_set: StudySet, username: str) -> User:
    """Give another instructor edit access to a set."""
    from quizapp.services.accounts import find_user

    user = find_user(username)
    if user is None or not user.is_instructor:
        raise ClassError(f"no instructor named {username!r}")
    exists = db.session.scalar(
        sa.select(SetShare).where(SetShare.set_id == study_set.id, SetShare.user_id == user.id)
    )
    if exists is None and user.id != study_set.owner_id:
        db.session.add(SetShare(set_id=study_set.id, user_id=user.id))
        db.session.flush()
    return user
