"""Item analysis as in Moodle's quiz statistics report.

For each item, over the attempts that count: the facility index (mean score as a share of the
maximum), the discrimination index (correlation between the item's score and the rest of the
test: the attempt's total minus this item) and the discriminative efficiency (the covariance
as a share of the largest covariance possible for these two sets of scores, which Moodle gets
by pairing both sorted), plus how often each choice was picked so a bad distractor shows.
All three are percentages; they are None where they are undefined (fewer than two attempts,
or no spread in the scores).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AttemptScores:
    """One counted attempt: the score and maximum of each item it contains."""

    attempt_id: int
    user_id: int
    scores: dict[int, float]
    max_scores: dict[int, float]
    answers: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemStatistics:
    item_id: int
    attempts: int
    facility: float | None
    discrimination: float | None
    efficiency: float | None
    choice_counts: dict[str, int]


def choose_attempts(attempts: Sequence[tuple[int, int, Any]], which: str) -> set[int]:
    """Attempt ids that count: ``first``/``last`` per learner (by start) or ``all``.

    ``attempts`` are (attempt_id, user_id, started_at) triples.
    """
    if which == "all":
        return {a for a, _u, _t in attempts}
    if which not in ("first", "last"):
        raise ValueError("which must be first, last or all")
    chosen: dict[int, tuple[Any, int]] = {}
    for attempt_id, user_id, started in attempts:
        key = (started, attempt_id)
        kept = chosen.get(user_id)
        if kept is None or (key < kept if which == "first" else key > kept):
            chosen[user_id] = key
    return {attempt_id for _started, attempt_id in chosen.values()}


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / (n - 1)


def _picked(answer: Any) -> list[str]:
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, list) and all(isinstance(a, str) for a in answer):
        return list(answer)
    return []


def analyse(item_ids: Iterable[int], attempts: Sequence[AttemptScores]) -> list[ItemStatistics]:
    """Statistics for each item over the given attempts (items an attempt lacks are skipped)."""
    results = []
    for item_id in item_ids:
        rows = [a for a in attempts if item_id in a.max_scores]
        marks = [a.scores.get(item_id, 0.0) for a in rows]
        others = [sum(a.scores.values()) - a.scores.get(item_id, 0.0) for a in rows]
        maximum = rows[0].max_scores[item_id] if rows else 0.0
        facility = 100 * sum(marks) / (len(marks) * maximum) if rows and maximum else None
        discrimination = efficiency = None
        if len(rows) >= 2:
            covariance = _covariance(marks, others)
            spread = _covariance(marks, marks) * _covariance(others, others)
            if spread > 0:
                discrimination = 100 * covariance / math.sqrt(spread)
            best = _covariance(sorted(marks), sorted(others))
            if best > 0:
                efficiency = 100 * covariance / best
        counts = Counter(c for a in rows for c in _picked(a.answers.get(item_id)))
        results.append(
            ItemStatistics(item_id, len(rows), facility, discrimination, efficiency, dict(counts))
        )
    return results
