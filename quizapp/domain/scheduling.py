"""Spaced repetition through the ``fsrs`` package: plain values in, plain values out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from fsrs import Card, Rating, Scheduler, State

RATINGS = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}
RATING_LABELS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}


@dataclass(frozen=True)
class CardSnapshot:
    """An FSRS card state as stored in the database (and in the review log)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    def to_json(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict deep-copies, and this runs on every rating.
        return {
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardSnapshot:
        return cls(
            state=data["state"],
            step=data.get("step"),
            stability=data.get("stability"),
            difficulty=data.get("difficulty"),
            due=datetime.fromisoformat(data["due"]),
            last_review=(
                datetime.fromisoformat(data["last_review"]) if data.get("last_review") else None
            ),
        )


def new_snapshot(now: datetime) -> CardSnapshot:
    """The state of a card never reviewed: learning, due now."""
    return CardSnapshot(State.Learning.value, 0, None, None, now, None)


def make_scheduler(desired_retention: float = 0.9) -> Scheduler:
    """A scheduler for one learner; fuzzing off so replaying the log reproduces states."""
    return _scheduler(min(max(desired_retention, 0.7), 0.99))


@lru_cache(maxsize=64)
def _scheduler(retention: float) -> Scheduler:
    # Shared: review_card reads the scheduler's parameters and never changes them.
    return Scheduler(desired_retention=retention, enable_fuzzing=False)


def _to_card(snapshot: CardSnapshot, card_id: int) -> Card:
    # An explicit card_id: without one fsrs sleeps 1 ms to make a unique id.
    return Card(
        card_id=card_id,
        state=State(snapshot.state),
        step=snapshot.step,
        stability=snapshot.stability,
        difficulty=snapshot.difficulty,
        due=snapshot.due,
        last_review=snapshot.last_review,
    )


def review(
    snapshot: CardSnapshot,
    rating: int,
    now: datetime,
    *,
    desired_retention: float = 0.9,
    card_id: int = 1,
) -> CardSnapshot:
    """Apply one rating (1 again .. 4 easy) at ``now`` and return the new state."""
    if rating not in RATINGS:
        raise ValueError("rating must be 1 (again), 2 (hard), 3 (good) or 4 (easy)")
    scheduler = make_scheduler(desired_retention)
    card, _log = scheduler.review_card(_to_card(snapshot, card_id), RATINGS[rating], now)
    return CardSnapshot(
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def replay(
    reviews: list[tuple[int, datetime]], start: datetime, *, desired_retention: float = 0.9
) -> CardSnapshot:
    """Replay (rating, time) reviews from a new card; used to verify the stored state."""
    snapshot = new_snapshot(start)
    for rating, when in reviews:
        snapshot = review(snapshot, rating, when, desired_retention=desired_retention)
    return snapshot
