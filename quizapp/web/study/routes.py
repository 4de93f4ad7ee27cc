"""Learner views: set page, article view, quiz attempts and flashcards."""

from __future__ import annotations

import random
from functools import cache

import sqlalchemy as sa
from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user
from markupsafe import Markup
from sqlalchemy.orm import contains_eager, load_only

from quizapp.db_events import commit_before_redirect
from quizapp.domain import grading
from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    AttemptMode,
    Item,
    ItemStatus,
    MatchRecord,
    Response,
    SetStatus,
    StudySet,
    User,
)
from quizapp.services import accounts, classes, progress, sets, study
from quizapp.web.signed_in import first_with_signed_in_user, with_signed_in_user
from quizapp.web.study import bp
from quizapp.web.study.forms import (
    RATING_ERROR,
    EmptyForm,
    JoinForm,
    MatchForm,
    StartQuizForm,
    answer_form,
    answer_value,
    posted_choice,
    posted_rating,
)


def current_learner() -> User:
    """The signed-in user, or a new guest learner signed in for this browser session."""
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    guest = accounts.create_guest()
    db.session.commit()
    login_user(guest)
    return guest


def can_view_set(study_set: StudySet) -> bool:
    return may_see(study_set.status, study_set.owner_id)


def may_see(set_status: str, owner_id: int | None) -> bool:
    """Whether the current user may see a set in this status with this owner: anyone a
    published one, its owner and admins the others."""
    if set_status == SetStatus.PUBLISHED:
        return True
    user = current_user
    return bool(user.is_authenticated and (user.is_admin or owner_id == user.id))


@cache
def _set_query() -> sa.Select:
    return with_signed_in_user(sa.select(StudySet).where(StudySet.id == sa.bindparam("set_id")))


def get_set_or_404(set_id: int) -> StudySet:
    """A set the current user may see, read with the signed-in user's row."""
    row = first_with_signed_in_user(_set_query(), {"set_id": set_id})
    if row is None:
        abort(404)
    study_set = row[0]
    if not can_view_set(study_set):
        abort(404)
    return study_set


def get_attempt_or_404(attempt_id: int) -> Attempt:
    """An attempt of the current user; other people's attempts do not exist for them."""
    attempt = db.get_or_404(Attempt, attempt_id)
    if not current_user.is_authenticated or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.get("/sets/<int:set_id>")
def set_page(set_id: int) -> ResponseReturnValue:
    """A set: its article's sections and the ways to study it."""
    study_set = get_set_or_404(set_id)
    counts = sets.learner_item_counts(study_set)
    return render_template(
        "study/set.html",
        study_set=study_set,
        card_count=counts.get("flashcard", 0),
        question_count=sum(counts.get(kind, 0) for kind in study.QUIZ_TYPES),
        source=study_set.source,
        start_form=StartQuizForm(),
        attempts_left=(
            study.test_attempts_left(current_user, study_set)
            if current_user.is_authenticated
            else study_set.test_max_attempts
        ),
    )


@bp.get("/sets/<int:set_id>/article")
def article(set_id: int) -> ResponseReturnValue:
    """The source article, with the range ``?start=&end=`` highlighted."""
    study_set = get_set_or_404(set_id)
    if study_set.source is None:
        abort(404)
    start, end = request.args.get("start", type=int), request.args.get("end", type=int)
    return render_template(
        "study/article.html", study_set=study_set, source=study_set.source, start=start, end=end
    )


@bp.post("/sets/<int:set_id>/attempts")
def start_attempt(set_id: int) -> ResponseReturnValue:
    """Start a quiz in practice or test mode."""
    study_set = get_set_or_404(set_id)
    form = StartQuizForm()
    if not form.validate_on_submit():
        abort(400, "Choose practice or test mode.")
    try:
        attempt = study.start_attempt(current_learner(), study_set, form.mode.data)
    except study.StudyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("study.set_page", set_id=set_id))
    return _first_question(attempt)


def _first_question(attempt: Attempt) -> ResponseReturnValue:
    """Commit a new attempt and go straight to its first question: a quiz start is one
    round trip fewer than through the attempt page, which matters when a class starts at
    once."""
    commit_before_redirect()
    return redirect(url_for("study.question", attempt_id=attempt.id, item_id=attempt.item_ids[0]))


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> ResponseReturnValue:
    """Resume an attempt at its first unanswered question (or show the result)."""
    attempt = get_attempt_or_404(attempt_id)
    next_id = study.next_item_id(attempt)
    if attempt.finished_at is None and study.is_overdue(attempt):
        study.finish_attempt(attempt)
        db.session.commit()
    if attempt.finished_at or next_id is None:
        return redirect(url_for("study.result", attempt_id=attempt_id))
    return redirect(url_for("study.question", attempt_id=attempt_id, item_id=next_id))


def _choice_order(attempt: Attempt, item: Item) -> list[str]:
    """Test mode shuffles choices, the same way on every reload of the attempt."""
    order = list(item.choices)
    if attempt.mode == AttemptMode.TEST and item.type != "true_false":
        random.Random(f"{attempt.id}:{item.id}").shuffle(order)  # noqa: S311
    return order


@cache
def _attempt_item_query(for_page: bool) -> sa.Select:
    # The ON clause names the item, so the two primary-key lookups are one statement. The
    # attempt's owner comes along: when it is the signed-in learner (the only case that
    # gets past the check below) the session loader finds the row in the identity map
    # instead of querying it again.
    #
    # The question page also shows the set's title and, once the item is answered, the
    # response: both come along (a lazy load of the set and a query for the response were
    # two more statements per page). An answer POST only grades: it reads the item's
    # grading columns, not its 36 (the JSON ones decoded, the dates parsed).
    query = (
        sa.select(Attempt, Item, User)
        .select_from(Attempt)
        .join(Item, Item.id == sa.bindparam("item_id"))
        .join(User, User.id == Attempt.user_id)
    )
    if for_page:
        query = (
            query.join(Attempt.study_set)
            .options(contains_eager(Attempt.study_set))
            .add_columns(Response)
            .outerjoin(
                Response, (Response.attempt_id == Attempt.id) & (Response.item_id == Item.id)
            )
        )
    else:
        query = query.options(load_only(*GRADING_COLUMNS, raiseload=False))
    return query.where(Attempt.id == sa.bindparam("attempt_id"))


# What grading and the answer form read of an item (grading.Gradable, forms.answer_form).
GRADING_COLUMNS = (
    Item.id, Item.set_id, Item.type, Item.prompt, Item.choices, Item.answers, Item.pairs,
    Item.weights, Item.feedback, Item.numeric, Item.points,
)  # fmt: skip


def get_attempt_item_or_404(
    attempt_id: int, item_id: int, *, for_page: bool = True
) -> tuple[Attempt, Item, Response | None]:
    """An attempt of the current user, one of its questions and (``for_page``) the
    learner's response to it, read in one query."""
    row = db.session.execute(
        _attempt_item_query(for_page), {"attempt_id": attempt_id, "item_id": item_id}
    ).first()
    if row is None or not current_user.is_authenticated or row[0].user_id != current_user.id:
        abort(404)
    attempt, item = row[0], row[1]
    if item_id not in attempt.item_ids:
        abort(404)
    return attempt, item, (row[3] if for_page else None)


@bp.route("/attempts/<int:attempt_id>/items/<int:item_id>", methods=("GET", "POST"))
def question(attempt_id: int, item_id: int) -> ResponseReturnValue:
    """Show one question; POST records the answer exactly once."""
    posted = request.method == "POST"
    attempt, item, response = get_attempt_item_or_404(attempt_id, item_id, for_page=not posted)
    value, form = (posted_choice(item, request.form) if posted else None), None
    if value is None:  # not a valid choice: the form reads it, or says what is wrong
        form = answer_form(item, _choice_order(attempt, item))
        if form.validate_on_submit():
            value = answer_value(item, form)
    if value is not None:
        try:
            study.record_answer(attempt, item, value)
        except (study.StudyError, grading.AnswerRejected) as exc:
            if isinstance(exc, study.TimeUp):
                db.session.commit()  # keep the attempt finished
            abort(400, str(exc))
        if attempt.mode == AttemptMode.TEST:  # on to the next question, or the score
            next_id = study.next_item_id(attempt)
            commit_before_redirect()
            if next_id is None:
                return redirect(url_for("study.result", attempt_id=attempt_id))
            return redirect(url_for("study.question", attempt_id=attempt_id, item_id=next_id))
        if not wants_next_page():
            commit_before_redirect()
            return redirect(url_for("study.question", attempt_id=attempt_id, item_id=item_id))
        db.session.commit()
        # The page's script (answer.js) posted it: the reply is the page the redirect would
        # show, the question with its feedback, read afresh after the commit.
        attempt, item, response = get_attempt_item_or_404(attempt_id, item_id)
    elif posted:  # an invalid answer: the page again, with the errors (the item's other
        # columns and the set load on first use, in one statement each)
        response = study.find_response(attempt_id, item_id)
    if form is None:  # the answer was read without it; the page shows it
        form = answer_form(item, _choice_order(attempt, item))
    show_feedback = response is not None and attempt.mode == AttemptMode.PRACTICE
    deadline = study.deadline(attempt)
    return render_template(
        "study/question.html",
        attempt=attempt,
        item=item,
        form=form,
        response=response,
        show_feedback=show_feedback,
        position=attempt.item_ids.index(item_id) + 1,
        total=len(attempt.item_ids),
        # Only the feedback links to the next question: an unanswered one needs no more.
        next_id=study.next_item_id(attempt) if show_feedback else None,
        deadline=deadline,
        # A practice answer without a clock can be posted by the page's script.
        answer_in_place=response is None
        and attempt.mode == AttemptMode.PRACTICE
        and deadline is None,
    ), (400 if form.errors else 200)


@bp.post("/attempts/<int:attempt_id>/finish")
def finish(attempt_id: int) -> ResponseReturnValue:
    """End the attempt now; unanswered questions score zero."""
    attempt = get_attempt_or_404(attempt_id)
    if EmptyForm().validate_on_submit():
        study.finish_attempt(attempt)
        db.session.commit()
    return redirect(url_for("study.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int) -> ResponseReturnValue:
    """The score, and each answer with its explanation."""
    attempt = get_attempt_or_404(attempt_id)
    if attempt.finished_at is None and study.next_item_id(attempt) is None:
        study.finish_attempt(attempt)
        db.session.commit()
    results = study.result_page(attempt, request.args.get("page", 1, type=int))
    return render_template(
        "study/result.html", attempt=attempt, results=results,
        page_url=lambda n: url_for("study.result", attempt_id=attempt_id, page=n),
    )  # fmt: skip


# The flashcard script sends this header with a rating it posts itself: the reply is then
# the next card's page instead of a redirect to it, one request per card instead of two.
NEXT_PAGE_HEADER = "X-Quizapp-Next-Page"


def wants_next_page() -> bool:
    return request.headers.get(NEXT_PAGE_HEADER) == "1"


@bp.get("/sets/<int:set_id>/flashcards")
def flashcards(set_id: int) -> ResponseReturnValue:
    """The next due or new flashcard of the set."""
    return _flashcards_page(get_set_or_404(set_id))


def _flashcards_page(study_set: StudySet) -> ResponseReturnValue:
    if current_user.is_authenticated:
        item, state, due = study.card_page(current_user, study_set)
    else:
        item, state, due = _first_card(study_set), None, [0] * 7
    return render_template(
        "study/flashcards.html",
        study_set=study_set,
        item=item,
        state=state,
        reps=state.reps if state else 0,
        due=due,
        cram=False,
    )


def _first_card(study_set: StudySet) -> Item | None:
    cards = sets.learner_items(study_set, types=("flashcard",))
    return cards[0] if cards else None


@bp.post("/sets/<int:set_id>/flashcards/<int:item_id>")
def review(set_id: int, item_id: int) -> ResponseReturnValue:
    """Rate a flashcard (Again / Hard / Good / Easy) and go to the next one."""
    in_place = wants_next_page()
    _apply_review(_set_flashcard_or_404(set_id, item_id), redirecting=not in_place)
    if in_place:
        return _flashcards_page(get_set_or_404(set_id))
    return redirect(url_for("study.flashcards", set_id=set_id))


@bp.get("/me/progress")
@login_required
def dashboard() -> ResponseReturnValue:
    """The learner's own dashboard: mastery, accuracy by section, forecast, streak, history."""
    board = progress.dashboard(current_user)
    return render_template("study/dashboard.html", board=board, chart=Markup(board.history_svg))  # noqa: S704 - built from escaped parts


@bp.get("/me/progress.csv")
@login_required
def export_progress() -> ResponseReturnValue:
    """Download the learner's own answers and reviews."""
    return FlaskResponse(
        progress.export_csv(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=quizapp-progress.csv"},
    )


@bp.post("/sets/<int:set_id>/mistakes")
def review_mistakes(set_id: int) -> ResponseReturnValue:
    """Start a practice quiz of the questions this learner got wrong most recently."""
    study_set = get_set_or_404(set_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = study.start_mistakes_attempt(current_learner(), study_set)
    except study.StudyError as exc:
        flash(str(exc), "info")
        return redirect(url_for("study.set_page", set_id=set_id))
    return _first_question(attempt)


@bp.get("/study")
@login_required
def study_now() -> ResponseReturnValue:
    """Study now: the due cards of every set first, then new cards up to the daily limit."""
    return _study_now_page()


def _study_now_page() -> ResponseReturnValue:
    item, state, due = study.card_page(current_user)
    db.session.commit()  # the sets the search found caught up with (models.CaughtUp)
    return render_template(
        "study/flashcards.html", study_set=None, item=item, state=state,
        reps=state.reps if state else 0, due=due,
        cram=False,
    )  # fmt: skip


@bp.post("/study/<int:item_id>")
@login_required
def study_now_review(item_id: int) -> ResponseReturnValue:
    """Rate a card served by Study now, then serve the next one."""
    item = _published_flashcard_or_404(item_id)
    in_place = wants_next_page()
    _apply_review(item, redirecting=not in_place)
    if in_place:
        return _study_now_page()
    return redirect(url_for("study.study_now"))


@bp.get("/sets/<int:set_id>/cram")
def cram(set_id: int) -> ResponseReturnValue:
    """Cram: go through every card ahead of schedule without moving the schedule."""
    return _cram_page(get_set_or_404(set_id))


def _cram_page(study_set: StudySet) -> ResponseReturnValue:
    user = current_user if current_user.is_authenticated else None
    item = study.cram_card(user, study_set) if user else _first_card(study_set)
    return render_template(
        "study/flashcards.html", study_set=study_set, item=item, state=None,
        reps=0, due=None, cram=True,
    )  # fmt: skip


@bp.post("/sets/<int:set_id>/cram/<int:item_id>")
def cram_review(set_id: int, item_id: int) -> ResponseReturnValue:
    """Log a cram rating; the FSRS state stays as it was."""
    item = _set_flashcard_or_404(set_id, item_id)
    posted = posted_rating(request.form)
    if posted is None:
        abort(400, RATING_ERROR)
    study.cram_review(current_learner(), item, posted.rating, duration_ms=posted.duration_ms)
    db.session.commit()
    if wants_next_page():
        return _cram_page(get_set_or_404(set_id))
    return redirect(url_for("study.cram", set_id=set_id))


@cache
def _published_flashcard_query() -> sa.Select:
    # A rating only needs the card's ids and whether its set may be seen: four columns,
    # not the two rows as entities (whose instances the session then tracks and expires at
    # commit, on every rating).
    return with_signed_in_user(
        sa.select(Item.id, Item.set_id, StudySet.status, StudySet.owner_id)
        .join(StudySet, StudySet.id == Item.set_id)
        .where(
            Item.id == sa.bindparam("item_id"),
            Item.status == ItemStatus.PUBLISHED,
            Item.type == "flashcard",
        )
    )


def _published_flashcard_or_404(item_id: int) -> study.CardRef:
    """A published flashcard of a set the learner may see (one query with its set and
    the signed-in user)."""
    row = first_with_signed_in_user(_published_flashcard_query(), {"item_id": item_id})
    if row is None or not may_see(row.status, row.owner_id):
        abort(404)
    return study.CardRef(row.id, row.set_id)


def _set_flashcard_or_404(set_id: int, item_id: int) -> study.CardRef:
    card = _published_flashcard_or_404(item_id)
    if card.set_id != set_id:
        abort(404)
    return card


def _apply_review(item: study.CardRef, *, redirecting: bool) -> None:
    posted = posted_rating(request.form)
    if posted is None:
        abort(400, RATING_ERROR)
    try:
        study.review_card(
            current_learner(), item, posted.rating, expected_reps=posted.reps,
            duration_ms=posted.duration_ms,
        )  # fmt: skip
    except study.StudyError as exc:  # the card kept being rated elsewhere meanwhile
        abort(409, str(exc))
    if redirecting:
        commit_before_redirect()
    else:
        db.session.commit()


@bp.get("/sets/<int:set_id>/match")
def match(set_id: int) -> ResponseReturnValue:
    """Match: a timed game pairing terms with their descriptions."""
    study_set = get_set_or_404(set_id)
    pairs = match_pairs(study_set)
    best = None
    if current_user.is_authenticated:
        best = db.session.scalar(
            db.select(MatchRecord.best_ms).filter_by(user_id=current_user.id, set_id=set_id)
        )
    order = list(range(len(pairs)))
    random.Random().shuffle(order)  # noqa: S311 - layout, not security
    return render_template(
        "study/match.html", study_set=study_set, pairs=pairs, right_order=order, best=best,
        form=MatchForm(),
    )  # fmt: skip


@bp.post("/sets/<int:set_id>/match")
def match_done(set_id: int) -> ResponseReturnValue:
    """Store a finished Match time; the learner's best time is kept."""
    study_set = get_set_or_404(set_id)
    form = MatchForm()
    pairs = match_pairs(study_set)
    # Under 250 ms a pair is not a human playing: refuse it rather than keep a fake best.
    if not form.validate_on_submit() or form.elapsed_ms.data < 250 * len(pairs):
        abort(400, "That time is not possible.")
    record = study.record_match_time(current_learner(), study_set, form.elapsed_ms.data)
    db.session.commit()
    flash(
        f"Done in {form.elapsed_ms.data / 1000:.1f} s · best {record.best_ms / 1000:.1f} s",
        "success",
    )
    return redirect(url_for("study.match", set_id=set_id))


def match_pairs(study_set: StudySet, limit: int = 6) -> list[list[str]]:
    """Pairs for the game: a matching item's pairs, else flashcard fronts and backs."""
    items = sets.learner_items(study_set, types=("matching", "flashcard"))
    matching = [item for item in items if item.type == "matching" and len(item.pairs) >= 3]
    if matching:
        return [list(pair) for pair in matching[0].pairs[:limit]]
    cards = [item for item in items if item.type == "flashcard" and item.back]
    return [[card.prompt, card.back] for card in cards[:limit]]


@bp.route("/join", methods=("GET", "POST"))
def join() -> ResponseReturnValue:
    """Join a class with the code the teacher gave."""
    form = JoinForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            course = classes.join(current_learner(), form.code.data or "")
        except classes.ClassError as exc:
            form.code.errors = [*form.code.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"You joined {course.name}.", "success")
            return redirect(url_for("study.my_classes"))
    return render_template("study/join.html", form=form), (400 if form.errors else 200)


@bp.get("/join/<code>")
def join_link(code: str) -> ResponseReturnValue:
    """A join link: the form with the code filled in (joining itself is a POST)."""
    return redirect(url_for("study.join", code=code))


@bp.get("/me/classes")
@login_required
def my_classes() -> ResponseReturnValue:
    """The learner's classes and the sets assigned there, soonest due first."""
    return render_template("study/classes.html", rows=classes.my_assignments(current_user))
