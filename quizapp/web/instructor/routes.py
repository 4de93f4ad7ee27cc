"""Instructor views: build a set from an article, review its items, publish it."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from quizapp.domain.articles import ArticleError
from quizapp.extensions import db, limiter
from quizapp.models import Item, ItemStatus, StudySet
from quizapp.services import authoring, sets
from quizapp.web.instructor import bp
from quizapp.web.instructor.forms import ArticleForm, EmptyForm, NewSetForm, TestSettingsForm
from quizapp.web.security import instructor_required, upload_limit, user_or_address


def get_own_set_or_404(set_id: int) -> StudySet:
    """A set the current instructor may edit; others' sets are 404, not a hint they exist."""
    study_set = db.get_or_404(StudySet, set_id)
    if not authoring.can_edit(current_user, study_set):
        abort(404)
    return study_set


def get_own_item_or_404(set_id: int, item_id: int) -> Item:
    study_set = get_own_set_or_404(set_id)
    item = db.get_or_404(Item, item_id)
    if item.set_id != study_set.id:
        abort(404)
    return item


@bp.get("/sets")
@instructor_required
def my_sets() -> ResponseReturnValue:
    """The instructor's sets, drafts included."""
    return render_template("instructor/sets.html", study_sets=authoring.sets_for(current_user))


@bp.route("/sets/new", methods=("GET", "POST"))
@instructor_required
@limiter.limit(upload_limit, key_func=user_or_address, methods=["POST"])
def new_set() -> ResponseReturnValue:
    """Paste or upload an article and build a draft set from it."""
    form = ArticleForm()
    if form.validate_on_submit():
        upload = form.upload.data
        data = upload.read() if upload else (form.text.data or "")
        filename = upload.filename if upload else None
        try:
            study_set = sets.create_set_from_article(
                data,
                filename=filename,
                owner=current_user,
                seed=form.seed.data or 0,
                max_bytes=current_app.config["ARTICLE_MAX_BYTES"],
            )
        except ArticleError as exc:
            form.text.errors.append(f"{filename or 'The article'}: {exc}")
        else:
            db.session.commit()
            flash(
                f"Built {len(study_set.items)} draft items. Review them, then publish.", "success"
            )
            return redirect(url_for("instructor.review", set_id=study_set.id))
    return render_template("instructor/new_set.html", form=form), (400 if form.errors else 200)


@bp.route("/sets/new-empty", methods=("GET", "POST"))
@instructor_required
def new_empty_set() -> ResponseReturnValue:
    """Create an empty set to author items in by hand."""
    form = NewSetForm()
    if form.validate_on_submit():
        study_set = StudySet(
            title=form.title.data.strip(),
            description=form.description.data or "",
            owner_id=current_user.id,
        )
        db.session.add(study_set)
        db.session.commit()
        return redirect(url_for("instructor.review", set_id=study_set.id))
    return render_template("instructor/new_empty_set.html", form=form)


@bp.get("/sets/<int:set_id>")
@instructor_required
def review(set_id: int) -> ResponseReturnValue:
    """Every item with its source sentence beside it, and approve / edit / drop buttons."""
    study_set = get_own_set_or_404(set_id)
    settings = TestSettingsForm(
        time_limit_minutes=(study_set.test_time_limit_s or 0) // 60 or None,
        max_attempts=study_set.test_max_attempts,
    )
    return render_template(
        "instructor/review.html", study_set=study_set, items=study_set.items, form=EmptyForm(),
        settings=settings,
    )  # fmt: skip


@bp.post("/sets/<int:set_id>/settings")
@instructor_required
def test_settings(set_id: int) -> ResponseReturnValue:
    """Save the set's test-mode time limit and attempt limit."""
    study_set = get_own_set_or_404(set_id)
    form = TestSettingsForm()
    if form.validate_on_submit():
        minutes = form.time_limit_minutes.data
        study_set.test_time_limit_s = minutes * 60 if minutes else None
        study_set.test_max_attempts = form.max_attempts.data or None
        db.session.commit()
        flash("Test settings saved.", "success")
    else:
        flash("Test settings not saved: " + "; ".join(
            f"{form[name].label.text}: {', '.join(errors)}" for name, errors in form.errors.items()
        ), "error")  # fmt: skip
    return redirect(url_for("instructor.review", set_id=set_id))


@bp.post("/sets/<int:set_id>/items/<int:item_id>/<any(approve, drop, restore):action>")
@instructor_required
def item_action(set_id: int, item_id: int, action: str) -> ResponseReturnValue:
    """Approve, drop or restore one item."""
    item = get_own_item_or_404(set_id, item_id)
    if EmptyForm().validate_on_submit():
        status = (
            ItemStatus.DROPPED
            if action == "drop"
            else (ItemStatus.APPROVED if action == "approve" else ItemStatus.DRAFT)
        )
        authoring.set_status(item, status)
        db.session.commit()
    return redirect(url_for("instructor.review", set_id=set_id, _anchor=f"item-{item_id}"))


@bp.post("/sets/<int:set_id>/approve-all")
@instructor_required
def approve_all(set_id: int) -> ResponseReturnValue:
    """Approve every remaining draft."""
    study_set = get_own_set_or_404(set_id)
    if EmptyForm().validate_on_submit():
        flash(f"Approved {authoring.approve_all(study_set)} items.", "success")
        db.session.commit()
    return redirect(url_for("instructor.review", set_id=set_id))


@bp.post("/sets/<int:set_id>/publish")
@instructor_required
def publish(set_id: int) -> ResponseReturnValue:
    """Publish the set: learners now see its approved items."""
    study_set = get_own_set_or_404(set_id)
    if EmptyForm().validate_on_submit():
        count = sets.publish_set(study_set)
        db.session.commit()
        flash(f"Published with {count} items learners can study.", "success")
    return redirect(url_for("instructor.review", set_id=set_id))
