"""Progress arithmetic: mastery, accuracy by section, streaks, forecast and the SVG chart."""

from datetime import UTC, date, datetime, timedelta

from quizapp.domain import analytics
from quizapp.domain.analytics import AnswerRow

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_mastery_counts_only_the_latest_try_per_item():
    answers = [
        AnswerRow(1, T0, False),
        AnswerRow(1, T0 + timedelta(hours=1), True),
        AnswerRow(2, T0, True),
        AnswerRow(2, T0 + timedelta(hours=1), False),
        AnswerRow(99, T0, True),
    ]  # not a quiz item of this set
    m = analytics.mastery([1, 2, 3], answers, card_states=[2, 2, 1], cards_total=4)
    assert (m.items_right_latest, m.items_total) == (1, 3)
    assert (m.cards_in_review, m.cards_total) == (2, 4)
    assert m.overall == 3 / 7


def test_accuracy_by_section_kind():
    rows = [
        AnswerRow(1, T0, True, "pros"),
        AnswerRow(2, T0, False, "pros"),
        AnswerRow(3, T0, True, "cons"),
        AnswerRow(4, T0, True, None),
    ]
    assert analytics.accuracy_by_kind(rows) == {"cons": (1, 1), "other": (1, 1), "pros": (1, 2)}


def test_streak_allows_today_not_yet_studied():
    today = date(2026, 3, 10)
    days = [today - timedelta(days=n) for n in (1, 2, 3, 5)]
    assert analytics.streak(days, today) == 3
    assert analytics.streak(days + [today], today) == 4
    assert analytics.streak([today - timedelta(days=2)], today) == 0


def test_due_forecast_puts_overdue_cards_today():
    dues = [
        T0 - timedelta(days=3),
        T0,
        T0 + timedelta(days=1),
        T0 + timedelta(days=6, hours=1),
        T0 + timedelta(days=30),
    ]
    assert analytics.due_forecast(dues, T0) == [2, 1, 0, 0, 0, 0, 1]


def test_daily_activity_and_chart():
    activity = analytics.daily_activity([T0, T0, T0 - timedelta(days=1)], T0.date(), days=3)
    assert activity == [(date(2026, 3, 8), 0), (date(2026, 3, 9), 1), (date(2026, 3, 10), 2)]
    svg = analytics.bar_chart_svg([(d.isoformat(), n) for d, n in activity], title="History <x>")
    assert svg.count("<rect") == 3
    assert "History &lt;x&gt;" in svg and "2026-03-10: 2" in svg
