"""Authoring: create and edit items of every type in the browser."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from quizapp.domain.items import (
    format_numeric,
    parse_numeric,
    parse_pairs,
    split_lines,
)
from quizapp.extensions import db
from quizapp.models import Item, ItemStatus
from quizapp.services import authoring
from quizapp.web.instructor import bp
from quizapp.web.instructor.forms import ItemForm
from quizapp.web.instructor.routes import get_own_item_or_404, get_own_set_or_404
from quizapp.web.security import instructor_required


def _changes(form: ItemForm) -> dict[str, Any]:
    """The form's fields as item-dict values (raises ValueError for a bad numeric line)."""
    choices = split_lines(form.choices.data)
    feedback = {left: right for left, right in parse_pairs(form.feedback.data)}
    return {
        "type": form.type.data,
        "prompt": form.prompt.data.strip(),
        "back": (form.back.data or "").strip() or None,
        "choices": ["True", "False"] if form.type.data == "true_false" else choices,
        "answers": split_lines(form.answers.data),
        "pairs": parse_pairs(form.pairs.data),
        "feedback": feedback,
        "numeric": parse_numeric(form.numeric.data),
        "explanation": form.explanation.data or "",
        "tags": [t.strip() for t in (form.tags.data or "").split(",") if t.strip()],
        "points": float(form.points.data if form.points.data is not None else 1),
    }


def _fill(form: ItemForm, item: Item) -> None:
    form.type.data, form.prompt.data, form.back.data = item.type, item.prompt, item.back
    form.choices.data, form.answers.data = "\n".join(item.choices), "\n".join(item.answers)
    form.pairs.data = "\n".join(f"{left} => {right}" for left, right in item.pairs)
    form.feedback.data = "\n".join(f"{k} => {v}" for k, v in item.feedback.items())
    form.numeric.data = format_numeric(item.numeric)
    form.explanation.data, form.tags.data = item.explanation, ", ".join(item.tags)
    form.points.data = item.points


def _save(form: ItemForm, item: Item) -> bool:
    """Validate and apply the form to ``item``; field errors go back onto the form."""
    try:
        changes = _changes(form)
        authoring.update_item(item, changes)
    except ValueError as exc:
        problems = getattr(exc, "problems", None) or [f"numeric: {exc}"]
        for problem in problems:
            field, _, message = problem.partition(": ")
            target = form[field] if field in form else form.prompt
            target.errors = [*target.errors, message]
        return False
    return True


@bp.route("/sets/<int:set_id>/items/new", methods=("GET", "POST"))
@instructor_required
def new_item(set_id: int) -> ResponseReturnValue:
    """Author a new item of any type."""
    study_set = get_own_set_or_404(set_id)
    form = ItemForm()
    if request.method == "GET":
        form.type.data = request.args.get("type", "mcq")
    if form.validate_on_submit():
        position = max((i.position for i in study_set.items), default=0) + 1
        item = Item(
            uid=f"a{position}-{len(study_set.items)}",
            position=position,
            type=form.type.data,
            prompt="",
            status=ItemStatus.APPROVED,
        )
        study_set.items.append(item)
        if _save(form, item):
            db.session.commit()
            flash("Item added.", "success")
            return redirect(url_for("instructor.review", set_id=set_id, _anchor=f"item-{item.id}"))
        study_set.items.remove(item)
        db.session.rollback()
    return render_template(
        "instructor/edit_item.html", form=form, item=None, study_set=study_set
    ), (400 if form.errors else 200)


@bp.route("/sets/<int:set_id>/items/<int:item_id>/edit", methods=("GET", "POST"))
@instructor_required
def edit_item(set_id: int, item_id: int) -> ResponseReturnValue:
    """Edit an item, generated or authored: every field of its type."""
    item = get_own_item_or_404(set_id, item_id)
    form = ItemForm()
    if form.validate_on_submit():
        if _save(form, item):
            db.session.commit()
            flash("Item saved.", "success")
            return redirect(url_for("instructor.review", set_id=set_id, _anchor=f"item-{item_id}"))
        db.session.rollback()
    elif not form.is_submitted():
        _fill(form, item)
    return render_template(
        "instructor/edit_item.html", form=form, item=item, study_set=item.study_set
    ), (400 if form.errors else 200)
