"""What learners did: quiz attempts and responses, flashcard states and the review log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.model_base import index_where_set, utcnow
from quizapp.models.content import Item, JSONType, StudySet


class AttemptMode:
    PRACTICE = "practice"
    TEST = "test"


class Attempt(db.Model):
    """One run through a quiz; the item order is fixed when it starts so reloads resume it."""

    __tablename__ = "attempt"
    __table_args__ = (
        sa.Index("ix_attempt_user_set_started", "user_id", "set_id", "started_at"),
        # The gradebook and item analysis read a set's attempts; deleting a set finds them.
        sa.Index("ix_attempt_set_user", "set_id", "user_id"),
        # Only attempts launched from an LMS have a link: index those alone.
        index_where_set("ix_attempt_lti_link_id", "lti_link_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("study_set.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(sa.String(20), default=AttemptMode.PRACTICE)
    item_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    time_limit_s: Mapped[int | None]
    # Why the attempt exists beyond its mode, e.g. "mistakes" for "Review my mistakes".
    purpose: Mapped[str | None] = mapped_column(sa.String(20))
    # Set when the attempt was launched from an LMS: its score goes back to that line item.
    lti_link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lti_resource_link.id", ondelete="SET NULL")
    )
    lti_user_sub: Mapped[str | None] = mapped_column(sa.String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[float | None]

    study_set: Mapped[StudySet] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="Response.id"
    )


class Response(db.Model):
    """A graded answer to one item in one attempt; the unique key makes it exactly-once."""

    __tablename__ = "response"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "item_id"),
        sa.Index("ix_response_user_created", "user_id", "created_at"),
        # Only graded essays name a grader: deleting a user finds those without a scan.
        index_where_set("ix_response_graded_by", "graded_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="CASCADE"), index=True)
    # Denormalised from the attempt: progress and item analysis query by learner directly.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    answer: Mapped[Any] = mapped_column(JSONType)
    correct: Mapped[bool]
    score: Mapped[float]
    max_score: Mapped[float] = mapped_column(default=1.0)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    # Essays wait for the instructor: needs_grading until graded_by sets score and feedback.
    needs_grading: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    graded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    grader_feedback: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    item: Mapped[Item] = relationship()


class CardState(db.Model):
    """A learner's FSRS memory state for one flashcard."""

    __tablename__ = "card_state"
    __table_args__ = (
        # One state per learner and card. Item first: deleting an item finds its states by
        # this key too, so no index of item_id alone is written on every first rating.
        sa.UniqueConstraint("item_id", "user_id"),
        # "What is due for me" is the hottest query of the flashcard page.
        sa.Index("ix_card_state_user_due", "user_id", "due"),
        # The same for one set (set first: deleting a set finds its cards by it too).
        sa.Index("ix_card_state_set_user_due", "set_id", "user_id", "due"),
        # "New cards started today" (the daily limit).
        sa.Index("ix_card_state_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("study_set.id", ondelete="CASCADE"))
    state: Mapped[int] = mapped_column(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(default=0)
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime] = mapped_column(default=utcnow)
    last_review: Mapped[datetime | None]
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship()


class ReviewLog(db.Model):
    """Every flashcard review, with the state before and after, so schedules can be replayed."""

    __tablename__ = "review_log"
    __table_args__ = (
        sa.Index("ix_review_log_card_reviewed", "card_state_id", "reviewed_at"),
        sa.Index("ix_review_log_user_reviewed", "user_id", "reviewed_at"),
        # Cram: when did this learner last see this card (item first: deleting an item
        # finds its log rows by it too).
        sa.Index("ix_review_log_item_user_reviewed", "item_id", "user_id", "reviewed_at"),
        # Only API reviews carry a key: a web rating adds no entry to this index.
        index_where_set("uq_review_log_idempotency_key", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a cram review of a card never studied on schedule.
    card_state_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("card_state.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="CASCADE"))
    rating: Mapped[int]  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None]
    # Cram reviews are logged but never move the FSRS state.
    cram: Mapped[bool] = mapped_column(default=False)
    state_before: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state_after: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))


class CaughtUp(db.Model):
    """A learner had a card state for every published flashcard of a set when the set was
    at ``cards_version``: Study now skips the set without searching its cards until the
    version moves on (a learner who had seen every card of 100 sets paid 100 searches,
    0.1-0.2 s, on every Study now page). The version recorded is read before the search, so
    a card published while the search ran leaves it behind the set's."""

    __tablename__ = "caught_up"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_set.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cards_version: Mapped[int]


class MatchRecord(db.Model):
    """A learner's best time in the Match game of a set."""

    __tablename__ = "match_record"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "set_id"),
        sa.Index("ix_match_record_set_id", "set_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("study_set.id", ondelete="CASCADE"))
    best_ms: Mapped[int]
    plays: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
