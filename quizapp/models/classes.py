"""Classes an instructor teaches, who is in them, and which sets are assigned."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.model_base import utcnow


class Course(db.Model):
    """A class: learners join it by code; an LTI context maps onto one too."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    join_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # An LMS course (LTI context) maps onto one class.
    lti_issuer: Mapped[str | None] = mapped_column(sa.String(500))
    lti_context_id: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrollment(db.Model):
    """Membership of a user in a course, with their role there."""

    __tablename__ = "enrollment"
    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20), default="learner")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(db.Model):
    """A study set assigned to a course, with an optional due date."""

    __tablename__ = "assignment"
    __table_args__ = (sa.UniqueConstraint("course_id", "set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_set.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
