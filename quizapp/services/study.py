"""Learner use cases: quiz attempts with exactly-once answers, and flashcard reviews."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from quizapp.db_events import begin_write
from quizapp.domain import grading, scheduling
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptMode,
    CardState,
    CaughtUp,
    Item,
    ItemStatus,
    MatchRecord,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)
from quizapp.services.rows import (
    execute_core,
    execute_dml,
    insert_new,
    insert_once,
    insert_row,
    upsert,
)
from quizapp.services.sets import learner_item_ids

QUIZ_TYPES = (
    "mcq", "multi", "true_false", "cloze", "matching", "short_answer", "numerical", "essay",
    "description",
)  # fmt: skip


class StudyError(ValueError):
    """A learner action that cannot be done (finished attempt, item not in the attempt...)."""


class TimeUp(StudyError):
    """The answer came after the time limit; the attempt has been finished."""


class Recorded:
    """The stored response and whether this call created it (False for a repeat).

    A new response's object is built on first use of ``response``: the web views never
    read it (the page reads the row afresh), the API does."""

    def __init__(
        self, response: Response | None, created: bool, values: dict[str, Any] | None = None
    ) -> None:
        self._response = response
        self._values = values
        self.created = created

    @property
    def response(self) -> Response:
        if self._response is None:
            self._response = Response(**self._values or {})
        return self._response


# A test answer arriving this long after the time limit still counts (network latency).
TIME_LIMIT_GRACE = timedelta(seconds=5)


def test_attempts_left(user: User, study_set: StudySet) -> int | None:
    """How many test attempts the learner has left (None: unlimited)."""
    if not study_set.test_max_attempts:
        return None
    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(
            Attempt.user_id == user.id,
            Attempt.set_id == study_set.id,
            Attempt.mode == AttemptMode.TEST,
        )
    )
    return max(study_set.test_max_attempts - (used or 0), 0)


def start_attempt(
    user: User, study_set: StudySet, mode: str = AttemptMode.PRACTICE, *, seed: int | None = None
) -> Attempt:
    """Start a quiz over the set's gradable items; test mode shuffles and may be limited."""
    if mode not in (AttemptMode.PRACTICE, AttemptMode.TEST):
        raise StudyError(f"unknown quiz mode {mode!r}")
    item_ids = learner_item_ids(study_set, types=QUIZ_TYPES)
    if not item_ids:
        raise StudyError("this set has no quiz questions yet")
    time_limit = None
    if mode == AttemptMode.TEST:
        if test_attempts_left(user, study_set) == 0:
            raise StudyError("you have used all your test attempts for this set")
        random.Random(seed).shuffle(item_ids)  # noqa: S311 - order, not security
        time_limit = study_set.test_time_limit_s
    return _new_attempt(user, study_set, mode, item_ids, time_limit=time_limit)


def _new_attempt(
    user: User, study_set: StudySet, mode: str, item_ids: list[int], *,
    time_limit: int | None = None, purpose: str | None = None,
) -> Attempt:  # fmt: skip
    """Store a new attempt (one INSERT) and return it, every column loaded."""
    return insert_new(
        db.session, Attempt,
        {"user_id": user.id, "set_id": study_set.id, "mode": mode, "item_ids": item_ids,
         "time_limit_s": time_limit, "purpose": purpose, "lti_link_id": None,
         "lti_user_sub": None, "started_at": utcnow(), "finished_at": None, "score": None,
         "max_score": None},
    )  # fmt: skip


def wrong_item_ids(user: User, study_set: StudySet) -> list[int]:
    """Items of the set whose latest answer by this learner was not fully right."""
    latest = (
        sa.select(Response.item_id, sa.func.max(Response.id).label("last_id"))
        .join(Item, Item.id == Response.item_id)
        .where(Response.user_id == user.id, Item.set_id == study_set.id)
        .group_by(Response.item_id)
        .subquery()
    )
    wrong = set(
        db.session.scalars(
            sa.select(Response.item_id)
            .join(latest, latest.c.last_id == Response.id)
            .where(Response.correct.is_(False))
        )
    )
    visible = learner_item_ids(study_set, types=QUIZ_TYPES)
    return [item_id for item_id in visible if item_id in wrong]


def start_mistakes_attempt(user: User, study_set: StudySet) -> Attempt:
    """A practice quiz of the items this learner got wrong most recently."""
    item_ids = wrong_item_ids(user, study_set)
    if not item_ids:
        raise StudyError("no mistakes to review: your latest answers are all right")
    return _new_attempt(user, study_set, AttemptMode.PRACTICE, item_ids, purpose="mistakes")


def deadline(attempt: Attempt) -> datetime | None:
    """When a timed attempt ends."""
    if not attempt.time_limit_s:
        return None
    return attempt.started_at + timedelta(seconds=attempt.time_limit_s)


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    end = deadline(attempt)
    return end is not None and (now or utcnow()) > end + TIME_LIMIT_GRACE


def answered_ids(attempt: Attempt) -> set[int]:
    return set(
        db.session.scalars(sa.select(Response.item_id).where(Response.attempt_id == attempt.id))
    )


def next_item_id(attempt: Attempt, answered: set[int] | None = None) -> int | None:
    """The first item of the attempt not yet answered, so a reload resumes where it was
    (``answered``: the attempt's answered item ids, when the caller has read them)."""
    done = answered_ids(attempt) if answered is None else answered
    return next((i for i in attempt.item_ids if i not in done), None)


def record_answer(
    attempt: Attempt, item: Item, answer: Any, idempotency_key: str | None = None
) -> Recorded:
    """Grade and store an answer once; repeating it returns the first response unchanged."""
    if item.id not in attempt.item_ids:
        raise StudyError("that question is not part of this attempt")
    if attempt.finished_at is not None or is_overdue(attempt):
        # A repeat of an answer stored in time is still acknowledged.
        existing = find_response(attempt.id, item.id)
        if existing is not None:
            return Recorded(existing, created=False)
        if attempt.finished_at is not None:
            raise StudyError("this attempt is finished")
        finish_attempt(attempt)
        raise TimeUp("time is up: answers after the time limit are not counted")
    values: dict[str, Any] = {
        "attempt_id": attempt.id, "item_id": item.id, "user_id": attempt.user_id,
        "answer": answer, "idempotency_key": idempotency_key, "needs_grading": False,
        "graded_by": None, "grader_feedback": None, "created_at": utcnow(),
    }  # fmt: skip
    if item.type == "description":  # read, not answered: worth nothing
        values.update(correct=True, score=0.0, max_score=0.0)
    elif item.type == "essay":  # the instructor grades it in the gradebook
        if not isinstance(answer, str):
            raise grading.AnswerRejected("expected the essay as text")
        values.update(correct=False, score=0.0, max_score=float(item.points or 1.0))
        values["needs_grading"] = True
    else:
        result = grading.grade(item, answer)
        values.update(correct=result.correct, score=result.score, max_score=result.max_score)
    new_id = insert_once(db.session, Response, values, key=("attempt_id", "item_id"))
    if new_id is None:
        # A concurrent request stored it first: answers are recorded exactly once.
        existing = find_response(attempt.id, item.id)
        if existing is None:  # the key exists, so the row does (unless just deleted)
            raise StudyError("the answer could not be stored; try again")
        return Recorded(existing, created=False)
    return Recorded(None, created=True, values={"id": new_id, **values})


def find_response(attempt_id: int, item_id: int) -> Response | None:
    """The learner's response to one item of an attempt, if any."""
    return db.session.scalar(
        sa.select(Response).where(Response.attempt_id == attempt_id, Response.item_id == item_id)
    )


def finish_attempt(attempt: Attempt) -> Attempt:
    """Close the attempt and total its score over all its items (unanswered count as 0)."""
    if attempt.finished_at is None:
        # Finish once even when two requests try at the same moment (one grade passback).
        begin_write(db.session)
        db.session.refresh(attempt, with_for_update=True)
    if attempt.finished_at is None:
        points = dict(
            db.session.execute(
                sa.select(Item.id, Item.points).where(
                    Item.id.in_(attempt.item_ids), Item.type != "description"
                )
            ).all()
        )
        scored = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Response.score), 0.0)).where(
                Response.attempt_id == attempt.id
            )
        )
        attempt.score = round(float(scored or 0.0), 4)
        attempt.max_score = round(sum(float(p or 1.0) for p in points.values()), 4)
        attempt.finished_at = utcnow()
        db.session.flush()
        if attempt.lti_link_id is not None:
            # Launched from an LMS: queue the grade passback in this same transaction.
            from quizapp.services import lti_ags

            lti_ags.on_attempt_finished(attempt)
    return attempt


RESULTS_PER_PAGE = 50
RESULTS_ORPHANS = 10  # a last page this short joins the page before it


@dataclass(frozen=True)
class ResultPage:
    """One page of an attempt's answers: a 1,000-question attempt is 20 light pages."""

    item_ids: list[int]
    items: dict[int, ResultItem]
    answers: dict[int, ResultAnswer]
    page: int
    pages: int
    first_number: int  # the position of item_ids[0] in the attempt, from 1
    total: int


def result_page(attempt: Attempt, page: int = 1, per_page: int = RESULTS_PER_PAGE) -> ResultPage:
    """The attempt's items and answers on ``page`` (clamped to the pages there are)."""
    total = len(attempt.item_ids)
    pages = max(-(-max(total - RESULTS_ORPHANS, 0) // per_page), 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    end = total if page == pages else start + per_page
    item_ids = attempt.item_ids[start:end]
    params = {"attempt_id": attempt.id, "ids": item_ids}
    items = {row.id: ResultItem(*row) for row in db.session.execute(_result_items_query(), params)}
    answers = {
        row.item_id: ResultAnswer(*row)
        for row in db.session.execute(_result_answers_query(), params)
    }
    return ResultPage(item_ids, items, answers, page, pages, start + 1, total)


# What the result pages show of each item and answer, as plain values: a page of 50
# questions loaded every column as objects (nine JSON columns decoded per item) for the
# dozen it shows, and objects with a few columns cost bookkeeping for each one left out.
# Slotted classes, not the rows themselves: the template reads some 25 attributes per
# question, and a row's attribute lookup is six times slower.
@dataclass(slots=True, frozen=True)
class ResultItem:
    id: int
    set_id: int
    type: str
    prompt: str
    prompt_format: str
    answers: list[str]
    pairs: list[list[str]]
    explanation: str
    provenance_text: str | None
    provenance_heading: str | None
    provenance_start: int | None
    provenance_end: int | None


@dataclass(slots=True, frozen=True)
class ResultAnswer:
    item_id: int
    answer: Any
    correct: bool
    score: float
    needs_grading: bool
    grader_feedback: str | None


# The columns read, in the order of the fields they fill.
RESULT_ITEM_COLUMNS = tuple(getattr(Item, field.name) for field in fields(ResultItem))
RESULT_ANSWER_COLUMNS = tuple(getattr(Response, field.name) for field in fields(ResultAnswer))


@cache
def _result_items_query() -> sa.Select:
    return sa.select(*RESULT_ITEM_COLUMNS).where(Item.id.in_(sa.bindparam("ids", expanding=True)))


@cache
def _result_answers_query() -> sa.Select:
    return sa.select(*RESULT_ANSWER_COLUMNS).where(
        Response.attempt_id == sa.bindparam("attempt_id"),
        Response.item_id.in_(sa.bindparam("ids", expanding=True)),
    )


# --- flashcards ------------------------------------------------------------------------


def _snapshot(state: CardState | sa.Row[Any]) -> scheduling.CardSnapshot:
    return scheduling.CardSnapshot(
        state.state, state.step, state.stability, state.difficulty, state.due, state.last_review
    )


# The flashcard page's queries run on every card shown. They are built once, with bind
# parameters, and reused: building a SQLAlchemy statement (and its cache key) costs more
# CPU than running these indexed queries.
_USER, _SET, _NOW, _LIMIT = (sa.bindparam(name) for name in ("user_id", "set_id", "now", "limit"))
_MIDNIGHT = sa.bindparam("midnight")


@cache
def _due_cards_query(per_set: bool) -> sa.Select:
    query = (
        sa.select(Item, CardState)
        .join(CardState, CardState.item_id == Item.id)
        .where(CardState.user_id == _USER, CardState.due <= _NOW)
        .where(Item.status == ItemStatus.PUBLISHED)
        .order_by(CardState.due, CardState.id)
        .limit(_LIMIT)
    )
    return query.where(CardState.set_id == _SET) if per_set else query


def _unseen(item: type[Item], state: type[CardState]) -> sa.ColumnElement[bool]:
    """The set's (``_SET``) items the learner has no card state for.

    NOT IN reads the learner's states of the set once, through the (set_id, user_id)
    index, and PostgreSQL then tests each item against a hash of them. NOT EXISTS would
    probe the (user_id, item_id) key once per item instead: for a learner who has seen
    most of a 1,000-card set that walk took 1.5 ms of PostgreSQL's time, the hash 0.7 ms
    (bench/next_due.py, "caught up"). ``item_id`` is never NULL, so NOT IN means NOT EXISTS.
    """
    seen = sa.select(state.item_id).where(state.set_id == _SET, state.user_id == _USER)
    return item.id.not_in(seen)


@cache
def _new_cards_query() -> sa.Select:
    return (
        sa.select(Item)
        .where(Item.set_id == _SET, Item.status == ItemStatus.PUBLISHED)
        .where(Item.type == "flashcard", _unseen(Item, CardState))
        .order_by(Item.position, Item.id)
        .limit(_LIMIT)
    )


@cache
def _started_sets_query() -> sa.Select:
    # Sets the learner has started and may have new cards in: two index probes per
    # published set. A set the learner had caught up with at its current cards_version has
    # no new card (CaughtUp) and is not searched.
    started = sa.exists().where(CardState.user_id == _USER, CardState.set_id == StudySet.id)
    caught_up = sa.exists().where(
        CaughtUp.user_id == _USER,
        CaughtUp.set_id == StudySet.id,
        CaughtUp.cards_version == StudySet.cards_version,
    )
    return (
        sa.select(StudySet.id, StudySet.cards_version)
        .where(StudySet.status == "published", started, ~caught_up)
        .order_by(StudySet.id)
    )


@cache
def _started_today_query() -> sa.Select:
    return sa.select(sa.func.count(CardState.id)).where(
        CardState.user_id == _USER, CardState.created_at >= _MIDNIGHT
    )


def card_queue(
    user: User,
    study_set: StudySet | None = None,
    *,
    limit: int = 1,
    now: datetime | None = None,
    started_today: int | None = None,
) -> list[tuple[Item, CardState | None]]:
    """Cards to study now: due cards (most overdue first), then new cards within the daily
    limit, ``limit`` in all. A new card comes with state None.

    Without a set, due cards come from every set and new cards from the sets the learner
    has already started. ``started_today``: the cards the learner started today, when the
    caller has counted them (see card_page).
    """
    now = now or utcnow()
    params = {"user_id": user.id, "now": now, "limit": limit}
    if study_set is not None:
        params["set_id"] = study_set.id
    due = db.session.execute(_due_cards_query(study_set is not None), params)
    cards: list[tuple[Item, CardState | None]] = [(item, state) for item, state in due]
    if len(cards) >= limit:
        return cards
    room = min(limit - len(cards), new_cards_left_today(user, now, started_today))
    if room <= 0:
        return cards
    # (set id, its cards_version read before the search; None: not recorded when caught up)
    searches: list[tuple[int, int | None]]
    if study_set is not None:
        searches = [(study_set.id, None)] if study_set.status == "published" else []
    else:
        started = db.session.execute(_started_sets_query(), {"user_id": user.id})
        searches = [(set_id, cards_version) for set_id, cards_version in started]
    for set_id, cards_version in searches:
        found = db.session.scalars(
            _new_cards_query(), {"user_id": user.id, "set_id": set_id, "limit": room}
        )
        new = [(item, None) for item in found]
        if not new and cards_version is not None:
            _record_caught_up(user, set_id, cards_version)
        cards += new
        room -= len(new)
        if room <= 0:
            break
    return cards


def _record_caught_up(user: User, set_id: int, cards_version: int) -> None:
    """Remember that the learner has no new card in the set at this cards_version (the
    caller commits: Study now's page does; if nobody does, the next page searches again)."""
    upsert(
        db.session, CaughtUp,
        {"user_id": user.id, "set_id": set_id, "cards_version": cards_version},
        key=("user_id", "set_id"),
    )  # fmt: skip


def next_card(
    user: User, study_set: StudySet | None = None, now: datetime | None = None
) -> tuple[Item | None, CardState | None]:
    """The next flashcard to show (see card_queue), or (None, None) when nothing is left."""
    queue = card_queue(user, study_set, limit=1, now=now)
    return queue[0] if queue else (None, None)


class CardPage(NamedTuple):
    """What a flashcard page shows: the next card (None when nothing is left), its state
    (None for a new card) and how many cards fall due today and on each following day."""

    item: Item | None
    state: CardState | None
    due: list[int]


def card_page(
    user: User, study_set: StudySet | None = None, now: datetime | None = None
) -> CardPage:
    """next_card and due_counts in fewer statements. A flashcard page is shown after every
    rating, so each statement is paid on every card: for one set the page is one statement;
    for Study now (every set) the count of cards started today, which the queue needs for
    the daily limit, comes with the due counts."""
    now = now or utcnow()
    if study_set is not None:
        return _set_card_page(user, study_set, now)
    due, started_today = _due_counts(user, study_set, now, 7, with_started_today=True)
    queue = card_queue(user, study_set, limit=1, now=now, started_today=started_today)
    item, state = queue[0] if queue else (None, None)
    return CardPage(item, state, due)


def _set_card_page(user: User, study_set: StudySet, now: datetime, days: int = 7) -> CardPage:
    params = _due_count_params(user, study_set, now, days)
    params.update(
        now=now, midnight=_midnight(now),
        # New cards come from published sets only, and within the learner's daily limit.
        new_limit=user.daily_new_limit if study_set.status == "published" else 0,
    )  # fmt: skip
    row = db.session.execute(_set_card_page_query(days), params).one()
    return CardPage(row[-2], row[-1], [int(count) for count in row[:days]])


@cache
def _set_card_page_query(days: int) -> sa.Select:
    """The due counts, and the next card with its state: the most overdue card, else (when
    the daily limit leaves room) the set's first new card, the same rules as card_queue.
    COALESCE looks for a new card only when nothing is due. The subqueries use aliases of
    their own (or no correlation at all) so that none of them correlates with a statement
    around it."""
    due_state, due_item = aliased(CardState), aliased(Item)
    due_id = (
        sa.select(due_state.item_id)
        .join(due_item, due_item.id == due_state.item_id)
        .where(due_state.user_id == _USER, due_state.set_id == _SET, due_state.due <= _NOW)
        .where(due_item.status == ItemStatus.PUBLISHED)
        .order_by(due_state.due, due_state.id)
        .limit(1)
        .scalar_subquery()
    )
    new_item, seen_state = aliased(Item), aliased(CardState)
    started_today = _started_today_query().correlate(None).scalar_subquery()
    new_id = (
        sa.select(new_item.id)
        .where(new_item.set_id == _SET, new_item.status == ItemStatus.PUBLISHED)
        .where(
            new_item.type == "flashcard",
            _unseen(new_item, seen_state),
            sa.bindparam("new_limit", type_=sa.Integer) > started_today,
        )
        .order_by(new_item.position, new_item.id)
        .limit(1)
        .scalar_subquery()
    )
    counts = _due_counts_query(days, per_set=True)
    page = counts.add_columns(sa.func.coalesce(due_id, new_id).label("card_id")).subquery()
    return (
        sa.select(*page.c, Item, CardState)
        .select_from(page)
        .outerjoin(Item, Item.id == page.c.card_id)
        .outerjoin(CardState, (CardState.user_id == _USER) & (CardState.item_id == Item.id))
    )


def new_cards_left_today(user: User, now: datetime, started: int | None = None) -> int:
    """The learner's daily limit of new cards minus those started since midnight UTC
    (``started``, when the caller has counted them)."""
    if started is None:
        started = db.session.scalar(
            _started_today_query(), {"user_id": user.id, "midnight": _midnight(now)}
        )
    return max(user.daily_new_limit - (started or 0), 0)


def _midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class CardRef(NamedTuple):
    """What rating a card needs of it: its id and its set's. An Item will do as well."""

    id: int
    set_id: int


def review_card(
    user: User,
    item: Item | CardRef,
    rating: int,
    *,
    expected_reps: int | None = None,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> int:
    """Rate a flashcard with FSRS and log it; a repeated submit (same reps) changes nothing.

    Returns the id of the learner's card state. The row is written by statements, not
    through an object: read it with ``db.session.get(CardState, id,
    populate_existing=True)`` if needed (a copy already in the session would be stale).
    Raises StudyError if other ratings of the card kept overtaking this one."""
    now = now or utcnow()
    if expected_reps == 0:
        # The page showed a new card: its first rating is one INSERT. If the card exists
        # (a double-click, a second tab), the key refuses it and the read below treats
        # this as the repeat it is.
        created = _rate_new_card(user, item, rating, duration_ms, now)
        if created is not None:
            return created
    # A card rated before: read it (no lock), schedule it, and write it only if no other
    # rating landed in between: the UPDATE names the reps it read (compare and set). The
    # write lock (SQLite) or row lock (PostgreSQL) then covers the UPDATE, the log INSERT
    # and the commit, not the read and the scheduling, so concurrent ratings of other
    # cards wait less. Two copies of one rating still apply once: the second finds the
    # reps moved on.
    for _attempt in range(CARD_WRITE_RETRIES):
        state = execute_core(
            db.session, _card_state_query(), {"user_id": user.id, "item_id": item.id}
        ).first()
        if state is None:
            created = _rate_new_card(user, item, rating, duration_ms, now)
            if created is not None:
                return created
            continue  # a concurrent first rating created it: rate the stored card
        if expected_reps is not None and state.reps != expected_reps:
            return state.id  # the same rating submitted twice: already applied
        before = _snapshot(state)
        after = scheduling.review(
            before, rating, now, desired_retention=user.desired_retention, card_id=state.id
        )
        lapsed = 1 if rating == 1 and before.state == 2 else 0
        written = execute_dml(
            db.session, _card_state_update(),
            {"card_state_id": state.id, "read_reps": state.reps, "lapsed": lapsed,
             **{f"new_{name}": value for name, value in _state_fields(after).items()}},
        )  # fmt: skip
        if written.rowcount == 1:
            _log_review(user, item, state.id, rating, duration_ms, now, before, after)
            return int(state.id)
        # Another rating of this card was written between the read and the UPDATE.
    raise StudyError("the card is being rated elsewhere right now; try again")


# How often review_card reads a card again after another rating overtook its write.
CARD_WRITE_RETRIES = 20


@lru_cache(maxsize=1)
def _card_state_query() -> sa.Select:
    return sa.select(
        CardState.id, CardState.reps, CardState.state, CardState.step, CardState.stability,
        CardState.difficulty, CardState.due, CardState.last_review,
    ).where(CardState.user_id == _USER, CardState.item_id == sa.bindparam("item_id"))  # fmt: skip


@lru_cache(maxsize=1)
def _card_state_update() -> sa.Update:
    table = CardState.__table__
    return (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("card_state_id"),
            table.c.reps == sa.bindparam("read_reps"),
        )
        .values(
            reps=table.c.reps + 1,
            lapses=table.c.lapses + sa.bindparam("lapsed"),
            # (bind parameters may not be named after the columns they set)
            **{name: sa.bindparam(f"new_{name}") for name in CARD_STATE_FIELDS},
        )
    )


def _rate_new_card(
    user: User, item: Item | CardRef, rating: int, duration_ms: int | None, now: datetime
) -> int | None:
    """A card's first rating as one INSERT with the reviewed state (its id), or None if
    the learner's card already exists (the (user_id, item_id) key decides)."""
    before = scheduling.new_snapshot(now)
    after = scheduling.review(
        before, rating, now, desired_retention=user.desired_retention, card_id=item.id
    )
    state_id = insert_once(
        db.session, CardState,
        {"user_id": user.id, "item_id": item.id, "set_id": item.set_id, "reps": 1, "lapses": 0,
         "created_at": now, **_state_fields(after)},
        key=("user_id", "item_id"),
    )  # fmt: skip
    if state_id is not None:
        _log_review(user, item, state_id, rating, duration_ms, now, before, after)
    return state_id


# The card state's columns that one review sets (a CardSnapshot's fields of the same names).
CARD_STATE_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review")


def _state_fields(after: scheduling.CardSnapshot) -> dict[str, Any]:
    return {name: getattr(after, name) for name in CARD_STATE_FIELDS}


def _log_review(
    user: User, item: Item | CardRef, state_id: int, rating: int, duration_ms: int | None,
    now: datetime, before: scheduling.CardSnapshot, after: scheduling.CardSnapshot,
) -> None:  # fmt: skip
    insert_row(
        db.session, ReviewLog,
        {"card_state_id": state_id, "user_id": user.id, "item_id": item.id, "rating": rating,
         "reviewed_at": now, "duration_ms": duration_ms, "cram": False,
         "state_before": before.to_json() | {"desired_retention": user.desired_retention},
         "state_after": after.to_json(), "idempotency_key": None},
    )  # fmt: skip


@lru_cache(maxsize=8)
def _due_counts_query(days: int, per_set: bool, with_started_today: bool = False) -> sa.Select:
    # Counted by the database in one pass over the index range: thousands of due dates
    # never travel to Python. Overdue cards count as due today (analytics.due_forecast).
    edges = [sa.bindparam(f"edge{day}") for day in range(days)]
    columns = [
        sa.func.count(sa.case((CardState.due < edges[0], 1))),
        *(
            sa.func.count(sa.case((sa.and_(CardState.due >= low, CardState.due < high), 1)))
            for low, high in zip(edges, edges[1:], strict=False)
        ),
    ]
    if with_started_today:  # a subquery of its own: it counts every set's cards
        columns.append(_started_today_query().correlate(None).scalar_subquery())
    query = sa.select(*columns).where(CardState.user_id == _USER, CardState.due < edges[-1])
    return query.where(CardState.set_id == _SET) if per_set else query


def due_counts(
    user: User, study_set: StudySet | None = None, now: datetime | None = None, days: int = 7
) -> list[int]:
    """How many of the learner's cards fall due today and on each following day."""
    return _due_counts(user, study_set, now or utcnow(), days)[0]


def _due_count_params(
    user: User, study_set: StudySet | None, now: datetime, days: int
) -> dict[str, Any]:
    midnight = _midnight(now)
    params: dict[str, Any] = {
        f"edge{day}": midnight + timedelta(days=day + 1) for day in range(days)
    }
    params["user_id"] = user.id
    if study_set is not None:
        params["set_id"] = study_set.id
    return params


def _due_counts(
    user: User, study_set: StudySet | None, now: datetime, days: int, *,
    with_started_today: bool = False,
) -> tuple[list[int], int | None]:  # fmt: skip
    """Due counts and (``with_started_today``) the cards the learner started today."""
    params = _due_count_params(user, study_set, now, days)
    if with_started_today:
        params["midnight"] = _midnight(now)
    query = _due_counts_query(days, study_set is not None, with_started_today)
    row = db.session.execute(query, params).one()
    if with_started_today:
        return [int(count) for count in row[:-1]], int(row[-1] or 0)
    return [int(count) for count in row], None


def cram_card(user: User, study_set: StudySet) -> Item | None:
    """The flashcard crammed least recently (never-crammed first), ignoring the schedule."""
    # One index probe of (item_id, user_id, reviewed_at) per card of the set, instead of
    # grouping the learner's whole review log.
    seen = (
        sa.select(sa.func.max(ReviewLog.reviewed_at))
        .where(ReviewLog.user_id == user.id, ReviewLog.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery()
    )
    return db.session.scalar(
        sa.select(Item)
        .where(
            Item.set_id == study_set.id,
            Item.type == "flashcard",
            Item.status == ItemStatus.PUBLISHED,
        )
        .order_by(seen.is_not(None), seen, Item.position, Item.id)
        .limit(1)
    )


def cram_review(
    user: User,
    item: Item | CardRef,
    rating: int,
    *,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> ReviewLog:
    """Log a cram review: recorded for history, but the FSRS state does not move."""
    if rating not in scheduling.RATINGS:
        raise StudyError("rating must be 1 to 4")
    now = now or utcnow()
    state = db.session.scalar(
        sa.select(CardState).where(CardState.user_id == user.id, CardState.item_id == item.id)
    )
    snapshot = _snapshot(state).to_json() if state else {}
    log = ReviewLog(
        card_state_id=state.id if state else None, user_id=user.id, item_id=item.id,
        rating=rating, reviewed_at=now, duration_ms=duration_ms, cram=True,
        state_before=snapshot, state_after=snapshot,
    )  # fmt: skip
    db.session.add(log)
    db.session.flush()
    return log


def record_match_time(user: User, study_set: StudySet, elapsed_ms: int) -> MatchRecord:
    """Keep the learner's best Match time for the set."""
    begin_write(db.session)
    record = db.session.scalar(
        sa.select(MatchRecord)
        .where(MatchRecord.user_id == user.id, MatchRecord.set_id == study_set.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if record is None:
        record = MatchRecord(user_id=user.id, set_id=study_set.id, best_ms=elapsed_ms, plays=1)
        db.session.add(record)
    else:
        record.best_ms = min(record.best_ms, elapsed_ms)
        record.plays += 1
    db.session.flush()
    return record
