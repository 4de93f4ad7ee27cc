"""FSRS scheduling through the fsrs package."""

from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain import scheduling

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_good_moves_a_new_card_forward_and_again_keeps_it_close():
    start = scheduling.new_snapshot(NOW)
    good = scheduling.review(start, 3, NOW)
    again = scheduling.review(start, 1, NOW)
    assert good.due > again.due > NOW - timedelta(seconds=1)
    assert good.stability > again.stability


def test_easy_graduates_to_review_with_days_of_interval():
    easy = scheduling.review(scheduling.new_snapshot(NOW), 4, NOW)
    assert easy.state == 2  # review
    assert easy.due - NOW >= timedelta(days=1)


def test_higher_retention_means_shorter_intervals():
    card = scheduling.new_snapshot(NOW)
    for days in (0, 1, 4):
        card = scheduling.review(card, 3, NOW + timedelta(days=days))
    low = scheduling.review(card, 3, NOW + timedelta(days=12), desired_retention=0.8)
    high = scheduling.review(card, 3, NOW + timedelta(days=12), desired_retention=0.97)
    assert high.due < low.due


def test_replay_reproduces_the_state_and_json_round_trips():
    reviews = [
        (3, NOW),
        (3, NOW + timedelta(minutes=10)),
        (1, NOW + timedelta(days=3)),
        (4, NOW + timedelta(days=4)),
    ]
    card = scheduling.new_snapshot(NOW)
    for rating, when in reviews:
        card = scheduling.review(card, rating, when)
    assert scheduling.replay(reviews, NOW) == card
    assert scheduling.CardSnapshot.from_json(card.to_json()) == card


def test_invalid_rating():
    with pytest.raises(ValueError, match="rating"):
        scheduling.review(scheduling.new_snapshot(NOW), 5, NOW)
