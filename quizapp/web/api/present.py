"""Rows as the API's JSON shapes; learner shapes never carry an answer key."""

from __future__ import annotations

from typing import Any

from quizapp.domain.grading import GAP
from quizapp.models import Attempt, Item, Response, StudySet
from quizapp.services.flashcards import DueCard
from quizapp.services.gradebook import GradebookRow
from quizapp.services.progress import Dashboard
from quizapp.web.api.common import iso

CHOICE_TYPES = ("mcq", "multi", "true_false")


def set_summary(study_set: StudySet, item_count: int) -> dict[str, Any]:
    """A set as listed: id, title, description and item count."""
    return {
        "id": study_set.id,
        "title": study_set.title,
        "description": study_set.description or "",
        "item_count": item_count,
    }


def learner_item(item: Item) -> dict[str, Any]:
    """What a learner needs to answer an item: no answers, weights, feedback or backs.

    Matching gives the left column in order and the right column sorted on its own, so
    its order says nothing about the key; cloze prompts keep their _____ gaps.
    """
    data: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "title": item.title,
        "prompt": item.prompt,
        "prompt_format": item.prompt_format,
        "points": item.points,
    }
    if item.type in CHOICE_TYPES:
        data["choices"] = list(item.choices)
    elif item.type == "matching":
        data["left"] = [left for left, _right in item.pairs]
        data["right"] = sorted({right for _left, right in item.pairs})
    elif item.type == "cloze":
        data["gaps"] = max(item.prompt.count(GAP), 1)
    return data


def set_detail(study_set: StudySet, items: list[Item]) -> dict[str, Any]:
    """A set with its learner items."""
    return set_summary(study_set, len(items)) | {"items": [learner_item(i) for i in items]}


def answer_result(attempt: Attempt, item: Item, response: Response) -> dict[str, Any]:
    """The graded answer; test mode keeps explanations back until the attempt is finished."""
    practice = attempt.mode != "test"
    return {
        "item_id": item.id,
        "correct": response.correct,
        "score": response.score,
        "max_score": response.max_score,
        "explanation": (item.explanation or "") if practice else "",
    }


def finish_result(attempt: Attempt, items: dict[int, Item]) -> dict[str, Any]:
    """A finished attempt's score and every answer, explanations included."""
    return {
        "attempt_id": attempt.id,
        "score": attempt.score or 0.0,
        "max_score": attempt.max_score or 0.0,
        "finished_at": iso(attempt.finished_at),
        "responses": [
            {
                "item_id": r.item_id,
                "correct": r.correct,
                "score": r.score,
                "max_score": r.max_score,
                "explanation": (items[r.item_id].explanation or "") if r.item_id in items else "",
            }
            for r in attempt.responses
        ],
    }


def due_card(card: DueCard) -> dict[str, Any]:
    """A card to review: its front, back and schedule state."""
    item = card.item
    return {
        "card_id": item.id,
        "set_id": item.set_id,
        "prompt": item.prompt,
        "back": item.back or ", ".join(item.answers),
        "state": card.state_name,
        "due": iso(card.state.due) if card.state else None,
        "reps": card.state.reps if card.state else 0,
    }


def progress(board: Dashboard) -> dict[str, Any]:
    """The dashboard's numbers (without its chart)."""
    return {
        "answered": board.answered,
        "reviewed": board.reviewed,
        "streak": board.streak,
        "forecast": list(board.forecast),
        "history": [{"date": day, "count": count} for day, count in board.history],
        "sets": [
            {
                "set_id": entry.study_set.id,
                "title": entry.study_set.title,
                "mastery": {
                    "items_total": entry.mastery.items_total,
                    "items_right_latest": entry.mastery.items_right_latest,
                    "cards_total": entry.mastery.cards_total,
                    "cards_in_review": entry.mastery.cards_in_review,
                    "overall": round(entry.mastery.overall, 4),
                },
                "accuracy": {
                    kind: {"right": right, "total": total}
                    for kind, (right, total) in entry.accuracy.items()
                },
                "forecast": list(entry.forecast),
            }
            for entry in board.sets
        ],
    }


def instructor_item(item: Item) -> dict[str, Any]:
    """Everything about an item, answers included, for its set's instructors."""
    return {
        "id": item.id,
        "uid": item.uid,
        "set_id": item.set_id,
        "status": item.status,
        "position": item.position,
        "type": item.type,
        "title": item.title,
        "prompt": item.prompt,
        "back": item.back,
        "choices": list(item.choices),
        "answers": list(item.answers),
        "pairs": [list(pair) for pair in item.pairs],
        "feedback": dict(item.feedback),
        "weights": dict(item.weights),
        "numeric": list(item.numeric),
        "explanation": item.explanation or "",
        "tags": list(item.tags),
        "points": item.points,
    }


def gradebook_row(row: GradebookRow) -> dict[str, Any]:
    """One learner's line of a gradebook."""
    return {
        "user_id": row.user_id,
        "username": row.username,
        "attempts": row.attempts,
        "finished_attempts": row.finished,
        "best_score": row.best_score,
        "max_score": row.best_max_score,
        "best_percent": row.best_percent,
        "last_activity": iso(row.last_activity),
    }
