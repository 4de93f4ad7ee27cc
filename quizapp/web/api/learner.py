"""Learner operations: sets, quiz attempts with exactly-once answers, flashcards, progress."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue

from quizapp.domain import grading
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptMode, Item, ItemStatus, StudySet
from quizapp.services import flashcards, idempotency, progress, sets, study
from quizapp.web.api import bp, present
from quizapp.web.api.common import (
    MAX_ID,
    ApiError,
    api_user,
    check_answer,
    get_row,
    idempotency_key,
    integer,
    invalid,
    iso,
    json_body,
    not_found,
    once,
)

MODES = (AttemptMode.PRACTICE, AttemptMode.TEST)
MAX_DUE_LIMIT = 100


def visible_set_or_404(set_id: int) -> StudySet:
    """A published set, or a draft of the caller's own (admins see every set)."""
    study_set = get_row(StudySet, set_id)
    user = api_user()
    if study_set is None or not (
        study_set.is_published or user.is_admin or study_set.owner_id == user.id
    ):
        not_found("set")
    return study_set


def own_attempt_or_404(attempt_id: int) -> Attempt:
    """An attempt of the caller; other people's attempts do not exist for them."""
    attempt = get_row(Attempt, attempt_id)
    if attempt is None or attempt.user_id != api_user().id:
        not_found("attempt")
    return attempt


def query_int(name: str, *, low: int, high: int, default: int | None) -> int | None:
    """An integer query parameter within [low, high] (absent: ``default``)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        invalid(name, f"{name} must be an integer from {low} to {high}")
    return int(raw)


@bp.get("/sets")
def list_sets() -> ResponseReturnValue:
    """Published sets with the number of items learners can study in each."""
    return [present.set_summary(s, count) for s, count in sets.published_sets()]


@bp.get("/sets/<int:set_id>")
def get_set(set_id: int) -> ResponseReturnValue:
    """A set and its items, without answers."""
    study_set = visible_set_or_404(set_id)
    return present.set_detail(study_set, sets.learner_items(study_set))


@bp.post("/sets/<int:set_id>/attempts")
def start_attempt(set_id: int) -> ResponseReturnValue:
    """Start a quiz in practice or test mode; the reply lists its items in order."""
    body = json_body(required=False)
    mode = body.get("mode", AttemptMode.PRACTICE)
    if mode not in MODES:
        invalid("mode", "mode must be practice or test")
    key = idempotency_key(required=False)
    study_set = visible_set_or_404(set_id)
    user = api_user()

    def work() -> idempotency.Reply:
        try:
            attempt = study.start_attempt(user, study_set, mode)
        except study.StudyError as exc:
            raise ApiError(409, "cannot_start", str(exc)) from None
        return idempotency.Reply(
            201,
            {
                "attempt_id": attempt.id,
                "mode": attempt.mode,
                "item_ids": list(attempt.item_ids),
                "deadline": iso(study.deadline(attempt)),
            },
        )

    return once(key, body, work)


def _grade_once(attempt: Attempt, item_id: int, given: Any, key: str) -> idempotency.Reply:
    """Record the answer (the work behind an Idempotency-Key); errors leave nothing behind."""
    item = db.session.get(Item, item_id) if item_id in attempt.item_ids else None
    if item is None:
        invalid("item_id", "that item is not part of this attempt")
    if attempt.finished_at is None and study.is_overdue(attempt):
        raise study.TimeUp("time is up: answers after the time limit are not counted")
    try:
        recorded = study.record_answer(attempt, item, given, idempotency_key=key)
    except grading.AnswerRejected as exc:
        invalid("answer", str(exc), "answer_rejected")
    except study.TimeUp:
        raise
    except study.StudyError as exc:
        raise ApiError(409, "attempt_finished", str(exc)) from None
    if not recorded.created:
        raise idempotency.AlreadyDone
    return idempotency.Reply(200, present.answer_result(attempt, item, recorded.response))


@bp.post("/attempts/<int:attempt_id>/responses")
def answer(attempt_id: int) -> ResponseReturnValue:
    """Grade and store an answer exactly once per Idempotency-Key."""
    body = json_body()
    item_id = integer(body, "item_id", low=1, high=MAX_ID)
    if "answer" not in body:
        invalid("answer", "answer is required", "missing_field")
    given = check_answer(body["answer"])
    key = idempotency_key(required=True) or ""
    attempt = own_attempt_or_404(attempt_id)
    try:
        return once(key, body, lambda: _grade_once(attempt, item_id, given, key))
    except study.TimeUp as exc:
        study.finish_attempt(attempt)  # the time limit ends the attempt
        db.session.commit()
        raise ApiError(409, "time_up", str(exc)) from None
    except idempotency.AlreadyDone:
        message = "this item was already answered in this attempt (with another Idempotency-Key)"
        raise ApiError(409, "already_answered", message, "item_id") from None


@bp.post("/attempts/<int:attempt_id>/finish")
def finish_attempt(attempt_id: int) -> ResponseReturnValue:
    """Close the attempt (unanswered items score 0); finishing again changes nothing."""
    attempt = own_attempt_or_404(attempt_id)
    study.finish_attempt(attempt)
    db.session.commit()
    items = db.session.scalars(db.select(Item).where(Item.id.in_(attempt.item_ids)))
    return present.finish_result(attempt, {item.id: item for item in items})


@bp.get("/review/due")
def due_cards() -> ResponseReturnValue:
    """Due flashcards, then new ones within today's limit; ``card_id`` is the item id."""
    set_id = query_int("set_id", low=1, high=MAX_ID, default=None)
    limit = query_int("limit", low=1, high=MAX_DUE_LIMIT, default=20) or 20
    study_set = visible_set_or_404(set_id) if set_id is not None else None
    user = api_user()
    cards = flashcards.due_cards(user, study_set, limit=limit)
    return {"cards": [present.due_card(card) for card in cards]}


def card_or_404(card_id: int) -> Item:
    """A published flashcard of a set the caller can see."""
    item = get_row(Item, card_id)
    if item is None or item.type != "flashcard" or item.status != ItemStatus.PUBLISHED:
        not_found("card")
    visible_set_or_404(item.set_id)
    return item


@bp.post("/review/<int:card_id>")
def review(card_id: int) -> ResponseReturnValue:
    """Rate a flashcard 1 (again) to 4 (easy) once per Idempotency-Key; returns when it is due."""
    body = json_body()
    rating = integer(body, "rating", low=1, high=4)
    duration_ms = integer(body, "duration_ms", low=0, high=86_400_000, default=None)
    key = idempotency_key(required=True)
    item = card_or_404(card_id)
    user = api_user()

    def work() -> idempotency.Reply:
        try:
            state = flashcards.review_keyed(user, item, rating, key or "", duration_ms=duration_ms)
        except study.StudyError as exc:  # the card kept being rated elsewhere meanwhile
            raise ApiError(409, "card_busy", str(exc)) from None
        return idempotency.Reply(
            200,
            {
                "card_id": item.id,
                "due": iso(state.due),
                "state": flashcards.STATE_NAMES.get(state.state, "learning"),
                "reps": state.reps,
            },
        )

    return once(key, body, work)


@bp.get("/me/progress")
def my_progress() -> ResponseReturnValue:
    """The dashboard's numbers: mastery and accuracy per set, forecast, streak, history."""
    return present.progress(progress.dashboard(api_user()))
