"""Embedded study pages: minimal chrome, one set only, identity carried by a signed pass.

The pass (``t``, in links and hidden form fields) replaces the session cookie, which
browsers drop inside third-party frames; the forms are exempt from CSRFProtect (its token
lives in that cookie) because the pass itself is their CSRF secret: it never sits in a
cookie, so another site cannot make the browser send it (see services/embed.py).
"""

from __future__ import annotations

from dataclasses import replace

from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from quizapp.domain import grading
from quizapp.extensions import csrf, db
from quizapp.models import Attempt, Item, ItemStatus, Response, User
from quizapp.services import embed, sets, study
from quizapp.services.embed import EmbedError, EmbedPass, PassSigner
from quizapp.web.embed import bp
from quizapp.web.security import allow_framing_by, same_origin_post, set_frame_cookie
from quizapp.web.study.forms import (
    RATING_ERROR,
    ReviewForm,
    answer_form,
    answer_value,
    posted_rating,
)

NO_CSRF = {"csrf": False}  # the signed pass is these forms' CSRF secret


def signer() -> PassSigner:
    """Signs passes with the app's secret key and configured lifetimes."""
    config = current_app.config
    return PassSigner(
        config["SECRET_KEY"],
        int(config.get("EMBED_TOKEN_MAX_AGE_SECONDS", 8 * 3600)),
        int(config.get("EMBED_LEARNER_COOKIE_DAYS", 30)),
    )


def current_pass(set_id: int | None = None, *, post: bool = False) -> EmbedPass:
    """The pass this request carries (a POST must carry one and come from our own page);
    a first visit without one gets an anonymous pass, or the guest its frame cookie names."""
    if post and not same_origin_post():
        abort(403, "This form was sent from another site.")
    token = request.form.get("t") if post else request.args.get("t")
    if token:
        embed_pass = signer().loads(token)
    elif post:
        abort(400, "This form is missing its embed token. Reload the page and try again.")
    else:
        guest = signer().guest_from_cookie(request.cookies.get(embed.LEARNER_COOKIE))
        embed_pass = EmbedPass(set_id=set_id, user_id=guest)
    if set_id is not None:
        embed.check_set(embed_pass, set_id)
        if embed_pass.set_id is None:
            embed_pass = replace(embed_pass, set_id=set_id)
    allow_framing_by(embed_pass.origins)
    g.embed_pass = embed_pass
    return embed_pass


def to(endpoint: str, embed_pass: EmbedPass, **values: object) -> str:
    """A URL inside the embed that carries the (re-signed) pass."""
    return url_for(endpoint, t=signer().dumps(embed_pass), **values)


def page(
    template: str, embed_pass: EmbedPass, status: int = 200, **context: object
) -> ResponseReturnValue:
    """Render an embed page with a fresh pass; remember a guest in a frame cookie."""
    response = make_response(
        render_template(
            template, token=signer().dumps(embed_pass), embed_pass=embed_pass, **context
        ),
        status,
    )
    if embed_pass.user_id and not embed_pass.link_id:
        user = db.session.get(User, embed_pass.user_id)
        if user is not None and user.is_guest:
            set_frame_cookie(
                response, embed.LEARNER_COOKIE, signer().learner_cookie(user),
                max_age=signer().cookie_max_age,
            )  # fmt: skip
    return response


@bp.errorhandler(EmbedError)
def embed_error(error: EmbedError) -> ResponseReturnValue:
    """A refusal, shown as a page inside the frame (so its framer may display it)."""
    db.session.rollback()
    allow_framing_by(error.origins)
    return render_template("embed/error.html", code=error.status, message=str(error)), error.status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    return render_template("embed/error.html", code=code, message=error.description), code


# --- the set ------------------------------------------------------------------------------


@bp.get("/sets/<int:set_id>")
def set_home(set_id: int) -> ResponseReturnValue:
    """Where an LMS launch lands: the set's quiz and flashcards, nothing else."""
    embed_pass = current_pass(set_id)
    study_set = embed.visible_set(set_id)
    return page(
        "embed/set.html", embed_pass, study_set=study_set,
        quiz_count=len(sets.learner_items(study_set, types=study.QUIZ_TYPES)),
        card_count=len(sets.learner_items(study_set, types=("flashcard",))),
        open_attempt=embed.open_attempt(embed_pass, study_set),
    )  # fmt: skip


# --- the practice quiz ----------------------------------------------------------------------


@bp.get("/sets/<int:set_id>/quiz")
def quiz(set_id: int) -> ResponseReturnValue:
    """The embedded quiz: resume an unfinished attempt, or offer to start one."""
    embed_pass = current_pass(set_id)
    study_set = embed.visible_set(set_id)
    attempt = embed.open_attempt(embed_pass, study_set)
    if attempt is not None:
        return redirect(to("embed.attempt", embed_pass, attempt_id=attempt.id))
    count = len(sets.learner_items(study_set, types=study.QUIZ_TYPES))
    return page("embed/quiz_start.html", embed_pass, study_set=study_set, quiz_count=count)


@bp.post("/sets/<int:set_id>/quiz")
@csrf.exempt
def start_quiz(set_id: int) -> ResponseReturnValue:
    """Start a practice quiz (the first answer-worthy action makes an anonymous visitor a guest)."""
    embed_pass = current_pass(set_id, post=True)
    study_set = embed.visible_set(set_id)
    try:
        attempt, embed_pass = embed.start_quiz(embed_pass, study_set)
    except study.StudyError as exc:
        raise EmbedError(str(exc), status=400) from exc
    db.session.commit()
    return redirect(to("embed.attempt", embed_pass, attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> ResponseReturnValue:
    """Resume at the first unanswered question, or show the score."""
    embed_pass = current_pass()
    attempt = embed.own_attempt(embed_pass, attempt_id)
    next_id = study.next_item_id(attempt)
    if attempt.finished_at or next_id is None:
        return redirect(to("embed.result", embed_pass, attempt_id=attempt_id))
    return redirect(to("embed.question", embed_pass, attempt_id=attempt_id, item_id=next_id))


def _attempt_item(
    attempt_id: int, item_id: int, *, post: bool = False
) -> tuple[EmbedPass, Attempt, Item]:
    embed_pass = current_pass(post=post)
    attempt = embed.own_attempt(embed_pass, attempt_id)
    if item_id not in attempt.item_ids:
        raise EmbedError("That question is not part of this quiz.", status=404)
    item = db.session.get(Item, item_id)
    if item is None:
        raise EmbedError("That question no longer exists.", status=404)
    return embed_pass, attempt, item


@bp.get("/attempts/<int:attempt_id>/items/<int:item_id>")
def question(attempt_id: int, item_id: int) -> ResponseReturnValue:
    """One question; once answered, its feedback and the way on."""
    embed_pass, attempt, item = _attempt_item(attempt_id, item_id)
    return _question_page(embed_pass, attempt, item, answer_form(item, meta=NO_CSRF))


@bp.post("/attempts/<int:attempt_id>/items/<int:item_id>")
@csrf.exempt
def answer(attempt_id: int, item_id: int) -> ResponseReturnValue:
    """Record the answer exactly once; answering the last question finishes the quiz."""
    embed_pass, attempt, item = _attempt_item(attempt_id, item_id, post=True)
    form = answer_form(item, meta=NO_CSRF)
    if not form.validate_on_submit():
        return _question_page(embed_pass, attempt, item, form, status=400)
    try:
        study.record_answer(attempt, item, answer_value(item, form))
    except (study.StudyError, grading.AnswerRejected) as exc:
        raise EmbedError(str(exc), status=400) from exc
    if study.next_item_id(attempt) is None:
        embed.finish_quiz(attempt)
    db.session.commit()
    return redirect(to("embed.question", embed_pass, attempt_id=attempt_id, item_id=item_id))


def _question_page(
    embed_pass: EmbedPass, attempt: Attempt, item: Item, form: FlaskForm, status: int = 200
) -> ResponseReturnValue:
    response = db.session.scalar(
        db.select(Response).filter_by(attempt_id=attempt.id, item_id=item.id)
    )
    return page(
        "embed/question.html", embed_pass, status, attempt=attempt, item=item, form=form,
        response=response, position=attempt.item_ids.index(item.id) + 1,
        total=len(attempt.item_ids), next_id=study.next_item_id(attempt),
    )  # fmt: skip


@bp.post("/attempts/<int:attempt_id>/finish")
@csrf.exempt
def finish(attempt_id: int) -> ResponseReturnValue:
    """End the quiz now; unanswered questions score zero."""
    embed_pass = current_pass(post=True)
    attempt = embed.own_attempt(embed_pass, attempt_id)
    embed.finish_quiz(attempt)
    db.session.commit()
    return redirect(to("embed.result", embed_pass, attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int) -> ResponseReturnValue:
    """The score and every answer."""
    embed_pass = current_pass()
    attempt = embed.own_attempt(embed_pass, attempt_id)
    if attempt.finished_at is None and study.next_item_id(attempt) is None:
        embed.finish_quiz(attempt)
        db.session.commit()
    results = study.result_page(attempt, request.args.get("page", 1, type=int))
    return page(
        "embed/result.html", embed_pass, attempt=attempt, results=results,
        page_url=lambda n: to("embed.result", embed_pass, attempt_id=attempt_id, page=n),
    )  # fmt: skip


# --- flashcards -------------------------------------------------------------------------------


@bp.get("/sets/<int:set_id>/flashcards")
def flashcards(set_id: int) -> ResponseReturnValue:
    """The next due or new card of this set, rated Again / Hard / Good / Easy (FSRS)."""
    embed_pass = current_pass(set_id)
    study_set = embed.visible_set(set_id)
    user = db.session.get(User, embed_pass.user_id) if embed_pass.user_id else None
    if user is None:
        cards = sets.learner_items(study_set, types=("flashcard",))
        item, state, due = (cards[0] if cards else None), None, None
    else:
        item, state, due = study.card_page(user, study_set)
    form = ReviewForm(meta=NO_CSRF, reps=state.reps if state else 0)
    return page(
        "embed/flashcards.html", embed_pass, study_set=study_set, item=item, form=form,
        due=due,
    )  # fmt: skip


@bp.post("/sets/<int:set_id>/flashcards/<int:item_id>")
@csrf.exempt
def review(set_id: int, item_id: int) -> ResponseReturnValue:
    """Rate a card and go to the next one."""
    embed_pass = current_pass(set_id, post=True)
    study_set = embed.visible_set(set_id)
    item = db.session.get(Item, item_id)
    if item is None or item.set_id != study_set.id or item.type != "flashcard":
        raise EmbedError("That card is not part of this set.", status=404)
    if item.status != ItemStatus.PUBLISHED:
        raise EmbedError("That card is not published.", status=404)
    posted = posted_rating(request.form)
    if posted is None:
        raise EmbedError(RATING_ERROR, status=400)
    user, embed_pass = embed.learner(embed_pass)
    try:
        study.review_card(
            user, item, posted.rating, expected_reps=posted.reps,
            duration_ms=posted.duration_ms,
        )  # fmt: skip
    except study.StudyError as exc:  # the card kept being rated elsewhere meanwhile
        raise EmbedError(str(exc), status=409) from None
    db.session.commit()
    return redirect(to("embed.flashcards", embed_pass, set_id=set_id))


# --- for instructors: the snippet to paste ------------------------------------------------------


@bp.get("/sets/<int:set_id>/snippet")
@login_required
def snippet(set_id: int) -> ResponseReturnValue:
    """The <iframe> tags an instructor copies into another site."""
    if current_user.is_guest or not current_user.is_instructor:
        abort(403)
    study_set = embed.visible_set(set_id)
    return render_template("embed/snippet.html", study_set=study_set)
