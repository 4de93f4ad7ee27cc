"""Grading: one checker per item type, in a registry, so adding a type never touches views.

Checkers are pure functions of an item-like object and the learner's answer. ``answer`` is a
string for single-answer types, a list of strings for ``multi`` and a list of ``[left, right]``
pairs for ``matching`` (the same shapes the JSON API uses).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class Gradable(Protocol):
    type: str
    prompt: str
    choices: list[str]
    answers: list[str]
    pairs: list[list[str]]
    weights: dict[str, float]
    feedback: dict[str, str]
    numeric: list[dict[str, Any]]
    points: float


@dataclass(frozen=True)
class Result:
    """The outcome of grading one answer: score is a fraction of ``max_score`` points."""

    correct: bool
    score: float
    max_score: float
    feedback: list[str] = field(default_factory=list)
    correct_answer: Any = None


class AnswerRejected(ValueError):
    """The answer has the wrong shape for the item type (e.g. a list for an mcq)."""


def normalise(text: str) -> str:
    """Compare answers ignoring case, accents' composition and surrounding/duplicate spaces."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def _as_text(answer: Any) -> str:
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    if not isinstance(answer, str | int | float) or isinstance(answer, bool):
        raise AnswerRejected("expected a single answer")
    return str(answer)


def _result(item: Gradable, fraction: float, answer_key: Any, feedback: list[str]) -> Result:
    fraction = max(0.0, min(1.0, fraction))
    points = float(item.points or 1.0)
    return Result(
        correct=math.isclose(fraction, 1.0),
        score=round(fraction * points, 4),
        max_score=points,
        feedback=[f for f in feedback if f],
        correct_answer=answer_key,
    )


def check_single_choice(item: Gradable, answer: Any) -> Result:
    """mcq and true_false: the chosen option's weight (1 for listed answers)."""
    chosen = normalise(_as_text(answer))
    weights = {normalise(k): v for k, v in (item.weights or {}).items()}
    correct = {normalise(a) for a in item.answers}
    fraction = weights.get(chosen, 1.0 if chosen in correct else 0.0)
    feedback = [v for k, v in (item.feedback or {}).items() if normalise(k) == chosen]
    return _result(item, fraction, list(item.answers), feedback)


def check_multi(item: Gradable, answer: Any) -> Result:
    """multi: partial credit; each right pick earns its share, each wrong pick costs one."""
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        raise AnswerRejected("expected a list of choices")
    chosen = {normalise(a) for a in answer}
    correct = {normalise(a) for a in item.answers}
    weights = {normalise(k): v for k, v in (item.weights or {}).items()}
    if weights:
        fraction = sum(weights.get(c, 0.0) for c in chosen)
    else:
        # Without weights: right picks share 1 equally, wrong picks take the same share away.
        share = 1.0 / max(len(correct), 1)
        fraction = share * len(chosen & correct) - share * len(chosen - correct)
    feedback = [v for k, v in (item.feedback or {}).items() if normalise(k) in chosen]
    return _result(item, fraction, list(item.answers), feedback)


def check_text(item: Gradable, answer: Any) -> Result:
    """short_answer and cloze: any listed alternative, ignoring case and spacing."""
    given = normalise(_as_text(answer))
    weights = {normalise(k): v for k, v in (item.weights or {}).items()}
    accepted = {normalise(a) for a in item.answers}
    fraction = weights.get(given, 1.0 if given in accepted else 0.0)
    feedback = [v for k, v in (item.feedback or {}).items() if normalise(k) == given]
    return _result(item, fraction, list(item.answers), feedback)


GAP = "_____"


def check_cloze(item: Gradable, answer: Any) -> Result:
    """cloze: one gap takes any listed spelling; several gaps score gap by gap (answers[i])."""
    gaps = str(getattr(item, "prompt", "") or "").count(GAP)
    if gaps <= 1:
        return check_text(item, answer)
    if not isinstance(answer, list) or len(answer) != gaps:
        raise AnswerRejected(f"expected {gaps} answers, one per gap")
    right = sum(
        1 for given, key in zip(answer, item.answers, strict=False)
        if normalise(str(given)) == normalise(key)
    )  # fmt: skip
    return _result(item, right / gaps, list(item.answers), [])


def check_numerical(item: Gradable, answer: Any) -> Result:
    """numerical: value ± tolerance or a low..high range, best matching answer wins."""
    try:
        value = float(_as_text(answer).replace(",", "."))
    except ValueError as exc:
        raise AnswerRejected("expected a number") from exc
    best, feedback = 0.0, []
    for spec in item.numeric or []:
        low, high = spec.get("low"), spec.get("high")
        if low is None or high is None:
            centre, tolerance = float(spec.get("value") or 0.0), float(spec.get("tolerance") or 0)
            low, high = centre - tolerance, centre + tolerance
        if low - 1e-9 <= value <= high + 1e-9 and spec.get("fraction", 1.0) > best:
            best = float(spec.get("fraction", 1.0))
            feedback = [spec.get("feedback") or ""]
    if not item.numeric:
        best = 1.0 if any(_close(value, a) for a in item.answers) else 0.0
    return _result(item, best, list(item.answers) or item.numeric, feedback)


def _close(value: float, text: str) -> bool:
    try:
        return math.isclose(value, float(text))
    except ValueError:
        return False


def check_matching(item: Gradable, answer: Any) -> Result:
    """matching: each left item matched to its right earns an equal share."""
    if isinstance(answer, Mapping):
        answer = [[k, v] for k, v in answer.items()]
    if not isinstance(answer, list) or not all(
        isinstance(p, Sequence) and not isinstance(p, str) and len(p) == 2 for p in answer
    ):
        raise AnswerRejected("expected a list of [left, right] pairs")
    key = {normalise(left): normalise(right) for left, right in item.pairs}
    given = {normalise(str(left)): normalise(str(right)) for left, right in answer}
    right = sum(1 for left, target in key.items() if given.get(left) == target)
    fraction = right / max(len(key), 1)
    return _result(item, fraction, [list(p) for p in item.pairs], [])


CHECKERS: dict[str, Callable[[Gradable, Any], Result]] = {
    "mcq": check_single_choice,
    "true_false": check_single_choice,
    "multi": check_multi,
    "short_answer": check_text,
    "cloze": check_cloze,
    "flashcard": check_text,
    "numerical": check_numerical,
    "matching": check_matching,
}


def grade(item: Gradable, answer: Any) -> Result:
    """Grade ``answer`` for ``item`` with the checker registered for its type."""
    checker = CHECKERS.get(item.type)
    if checker is None:
        raise AnswerRejected(f"items of type {item.type!r} are not graded automatically")
    return checker(item, answer)
