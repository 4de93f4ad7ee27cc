"""Instructors' classes: create, assign sets, gradebook, essays, item analysis, sharing."""

from __future__ import annotations

from datetime import UTC

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from quizapp.extensions import db
from quizapp.models import Course
from quizapp.models import Response as Answer
from quizapp.services import authoring, classes, results
from quizapp.web.instructor import bp
from quizapp.web.instructor.forms import (
    AnalysisFilterForm,
    AssignForm,
    CourseForm,
    GradeEssayForm,
    ShareForm,
)
from quizapp.web.instructor.routes import get_own_set_or_404
from quizapp.web.security import instructor_required


def get_course_or_404(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    if not classes.can_teach(current_user, course):
        abort(404)
    return course


@bp.route("/classes", methods=("GET", "POST"))
@instructor_required
def courses() -> ResponseReturnValue:
    """The instructor's classes, and a form to create one."""
    form = CourseForm()
    if form.validate_on_submit():
        course = classes.create_course(current_user, form.name.data)
        db.session.commit()
        return redirect(url_for("instructor.course", course_id=course.id))
    return render_template(
        "instructor/classes.html", form=form, courses=classes.courses_taught(current_user)
    )


@bp.route("/classes/<int:course_id>", methods=("GET", "POST"))
@instructor_required
def course(course_id: int) -> ResponseReturnValue:
    """A class: join code and link, assignments, and the gradebook."""
    course = get_course_or_404(course_id)
    form = AssignForm()
    form.set_id.choices = [(s.id, s.title) for s in authoring.sets_for(current_user)]
    if form.validate_on_submit():
        study_set = get_own_set_or_404(form.set_id.data)
        due = form.due_at.data.replace(tzinfo=UTC) if form.due_at.data else None
        classes.assign(course, study_set, due)
        db.session.commit()
        flash(f"Assigned “{study_set.title}”.", "success")
        return redirect(url_for("instructor.course", course_id=course_id))
    return render_template(
        "instructor/class.html", course=course, form=form, book=results.gradebook(course),
        assignments=classes.assignments(course),
        join_url=url_for("study.join_link", code=course.join_code, _external=True),
    )  # fmt: skip


@bp.get("/classes/<int:course_id>/gradebook.csv")
@instructor_required
def gradebook_csv(course_id: int) -> ResponseReturnValue:
    book = results.gradebook(get_course_or_404(course_id))
    return Response(
        results.gradebook_csv(book),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="gradebook-{course_id}.csv"'},
    )


@bp.get("/sets/<int:set_id>/analysis")
@instructor_required
def analysis(set_id: int) -> ResponseReturnValue:
    """Item analysis: facility, discrimination, efficiency and choice counts per item."""
    study_set = get_own_set_or_404(set_id)
    form = AnalysisFilterForm(request.args)
    taught = classes.courses_taught(current_user)
    form.course.choices = [(0, "All learners")] + [(c.id, c.name) for c in taught]
    course = next((c for c in taught if c.id == form.course.data), None)
    which = form.which.data if form.which.data in ("all", "first", "last") else "all"
    rows = results.item_statistics(
        study_set, which=which, include_practice=form.practice.data, course=course
    )
    return render_template("instructor/analysis.html", study_set=study_set, form=form, rows=rows)


@bp.route("/sets/<int:set_id>/essays", methods=("GET", "POST"))
@instructor_required
def essays(set_id: int) -> ResponseReturnValue:
    """Essays waiting for a grade, each with a form."""
    study_set = get_own_set_or_404(set_id)
    form = GradeEssayForm()
    if form.validate_on_submit():
        answer = db.get_or_404(Answer, request.args.get("response", type=int))
        if answer.item.set_id != study_set.id:
            abort(404)
        results.grade_essay(answer, current_user, form.percent.data / 100, form.feedback.data)
        db.session.commit()
        flash("Grade saved.", "success")
        return redirect(url_for("instructor.essays", set_id=set_id))
    return render_template(
        "instructor/essays.html",
        study_set=study_set,
        form=form,
        pending=results.essays_to_grade(study_set),
    )


@bp.post("/sets/<int:set_id>/share")
@instructor_required
def share(set_id: int) -> ResponseReturnValue:
    """Give another instructor edit access to the set."""
    study_set = get_own_set_or_404(set_id)
    form = ShareForm()
    if form.validate_on_submit():
        try:
            user = classes.share_set(study_set, form.username.data)
        except classes.ClassError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{user.username} can now edit this set.", "success")
    return redirect(url_for("instructor.review", set_id=set_id))
