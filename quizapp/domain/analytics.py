"""Progress numbers from plain rows: mastery, accuracy by section, streaks, history, forecast."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class AnswerRow:
    """One graded response: which item, when, whether right, and its source section kind."""

    item_id: int
    at: datetime
    correct: bool
    section_kind: str | None = None


@dataclass(frozen=True)
class Mastery:
    """Share of quiz items right on the latest try, and of flashcards in FSRS review state."""

    items_total: int
    items_right_latest: int
    cards_total: int
    cards_in_review: int

    @property
    def quiz_share(self) -> float:
        return self.items_right_latest / self.items_total if self.items_total else 0.0

    @property
    def card_share(self) -> float:
        return self.cards_in_review / self.cards_total if self.cards_total else 0.0

    @property
    def overall(self) -> float:
        total = self.items_total + self.cards_total
        return (self.items_right_latest + self.cards_in_review) / total if total else 0.0


def latest_per_item(answers: Iterable[AnswerRow]) -> dict[int, AnswerRow]:
    """The most recent answer of each item."""
    latest: dict[int, AnswerRow] = {}
    for row in answers:
        kept = latest.get(row.item_id)
        if kept is None or row.at >= kept.at:
            latest[row.item_id] = row
    return latest


def mastery(
    quiz_item_ids: Iterable[int],
    answers: Iterable[AnswerRow],
    card_states: Iterable[int],
    cards_total: int,
) -> Mastery:
    """Mastery of one set; ``card_states`` are FSRS states (2 = review) of started cards."""
    ids = set(quiz_item_ids)
    latest = latest_per_item(a for a in answers if a.item_id in ids)
    right = sum(1 for row in latest.values() if row.correct)
    in_review = sum(1 for state in card_states if state == 2)
    return Mastery(len(ids), right, cards_total, in_review)


def accuracy_by_kind(answers: Iterable[AnswerRow]) -> dict[str, tuple[int, int]]:
    """(right, answered) per section kind: takeaways, pros, cons, analysis, other."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in answers:
        bucket = counts[row.section_kind or "other"]
        bucket[0] += int(row.correct)
        bucket[1] += 1
    return {kind: (right, total) for kind, (right, total) in sorted(counts.items())}


def daily_activity(
    times: Iterable[datetime], today: date, days: int = 30
) -> list[tuple[date, int]]:
    """Count of study actions on each of the last ``days`` days, oldest first."""
    counts = Counter(t.date() for t in times)
    return [
        (today - timedelta(days=n), counts.get(today - timedelta(days=n), 0))
        for n in range(days - 1, -1, -1)
    ]


def streak(active_days: Iterable[date], today: date) -> int:
    """Consecutive days with study up to today (or yesterday, if not yet studied today)."""
    days = set(active_days)
    current = today if today in days else today - timedelta(days=1)
    count = 0
    while current in days:
        count += 1
        current -= timedelta(days=1)
    return count


def due_forecast(dues: Iterable[datetime], now: datetime, days: int = 7) -> list[int]:
    """Cards due per day for ``days`` days; overdue cards count as due today."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = [0] * days
    for due in dues:
        index = max((due - midnight).days, 0)
        if index < days:
            counts[index] += 1
    return counts


def bar_chart_svg(
    values: list[tuple[str, int]], *, title: str, width: int = 600, height: int = 160
) -> str:
    """A small accessible SVG bar chart (title + per-bar <title>), readable without JS."""
    from html import escape

    peak = max((v for _l, v in values), default=0) or 1
    bar_w = width / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(values):
        h = round((height - 10) * value / peak)
        x = round(index * bar_w + 1, 1)
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{max(bar_w - 2, 1):.1f}" '
            f'height="{h}" class="bar"><title>{escape(label)}: {value}</title></rect>'
        )
    parts.append(f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" class="axis"/>')
    if values:
        parts.append(f'<text x="0" y="{height + 16}" class="tick">{escape(values[0][0])}</text>')
        parts.append(
            f'<text x="{width}" y="{height + 16}" text-anchor="end" class="tick">'
            f"{escape(values[-1][0])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
