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
    ItemStatus,
    ReviewLog,
    SetStatus,
    StudySet,
    User,
    utcnow,
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
    """Due cards (most overdue first), then new cards within today's limit, ``limit`` in all.

    Without a set, due cards come from every set and new cards from the sets the learner
    has already started, as in ``study.next_card``.
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
    cards = [DueCard(item, state) for item, state in db.session.execute(due_query).all()]
    room = min(limit - len(cards), study.new_cards_left_today(user, now))
    if room <= 0:
        return cards
    seen = sa.select(CardState.item_id).where(CardState.user_id == user.id)
    new_query = (
        sa.select(Item)
        .join(StudySet, StudySet.id == Item.set_id)
        .where(
            Item.type == "flashcard",
            Item.status == ItemStatus.PUBLISHED,
            StudySet.status == SetStatus.PUBLISHED,
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
    return cards + [DueCard(item, None) for item in db.session.scalars(new_query)]


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
    state = study.review_card(user, item, rating, duration_ms=duration_ms, now=now)
    log = db.session.scalar(
        sa.select(ReviewLog)
        .where(ReviewLog.card_state_id == state.id, ReviewLog.user_id == user.id)
        .order_by(ReviewLog.id.desc())
        .limit(1)
    )
    if log is not None:
        # The column is unique across users: namespace the client's key by user.
        log.idempotency_key = f"{user.id}:{key}"[:100]
        db.session.flush()
    return state
