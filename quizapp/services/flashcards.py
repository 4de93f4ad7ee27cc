"""Flashcard queues for API clients: the due cards in a batch, and keyed reviews.

``study.next_card`` serves one card at a time to the browser; clients that work offline
want the whole queue at once, built the same way: due cards first (most overdue first),
then new cards up to the learner's daily limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import (
    CardState,
    Item,
    ReviewLog,
    StudySet,
    User,
)
from quizapp.services import study

STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


@dataclass(frozen=True)
class DueCard:
    """A card to review now; ``state`` is None for a card never reviewed."""

    item: Item
    state: CardState | None

    @property
    def state_name(self) -> str:
        """'new', 'learning', 'review' or 'relearning'."""
        return STATE_NAMES.get(self.state.state, "learning") if self.state else "new"


def due_cards(
    user: User, study_set: StudySet | None = None, *, limit: int = 20, now: datetime | None = None
) -> list[DueCard]:
    """Due cards (most overdue first), then new cards within today's limit, ``limit`` in all."""
    return [
        DueCard(item, state)
        for item, state in study.card_queue(user, study_set, limit=limit, now=now)
    ]


def review_keyed(
    user: User,
    item: Item,
    rating: int,
    key: str,
    *,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> CardState:
    """Review a card and tag its log entry with ``key`` (unique), so a repeat cannot apply.

    The caller runs this in a savepoint: a duplicate key raises IntegrityError on flush.
    """
    state_id = study.review_card(user, item, rating, duration_ms=duration_ms, now=now)
    log = db.session.scalar(
        sa.select(ReviewLog)
        .where(ReviewLog.card_state_id == state_id, ReviewLog.user_id == user.id)
        .order_by(ReviewLog.id.desc())
        .limit(1)
    )
    if log is not None:
        # The column is unique across users: namespace the client's key by user.
        log.idempotency_key = f"{user.id}:{key}"[:100]
        db.session.flush()
    # Afresh: review_card wrote the row with an UPDATE statement, not through this object.
    state = db.session.get(CardState, state_id, populate_existing=True)
    if state is None:  # the row was just written in this transaction
        raise LookupError(f"card state {state_id} vanished")
    return state
