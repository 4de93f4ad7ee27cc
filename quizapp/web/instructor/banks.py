"""Question banks in the browser: upload, preview, confirm; export a set."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from quizapp.extensions import db, limiter
from quizapp.models import PendingImport
from quizapp.services import banks
from quizapp.web.instructor import bp
from quizapp.web.instructor.forms import BankUploadForm, ConfirmImportForm
from quizapp.web.instructor.routes import get_own_set_or_404
from quizapp.web.security import instructor_required, upload_limit, user_or_address


@bp.route("/banks/import", methods=("GET", "POST"))
@instructor_required
@limiter.limit(upload_limit, key_func=user_or_address, methods=["POST"])
def import_bank() -> ResponseReturnValue:
    """Upload a bank; it is parsed and kept aside until the preview is confirmed."""
    form = BankUploadForm()
    problems: list[dict] = []
    if form.validate_on_submit():
        upload = form.upload.data
        data, filename = upload.read(), upload.filename or "upload"
        try:
            preview = banks.preview_import(data, filename=filename, fmt=form.format.data or None)
        except banks.ImportRejected as exc:
            problems = exc.problems or [{"line": 0, "message": str(exc)}]
        else:
            if preview.problems or not preview.items:
                problems = preview.problems or [{"line": 0, "message": "no questions found"}]
            else:
                pending = banks.stage_import(
                    current_user, data, filename, preview.format, form.set_name.data
                )
                db.session.commit()
                return redirect(url_for("instructor.confirm_import", pending_id=pending.id))
    status = 400 if (form.errors or problems) else 200
    return render_template(
        "instructor/import_bank.html",
        form=form,
        problems=problems,
        filename=form.upload.data.filename if problems else None,
    ), status


def _own_pending_or_404(pending_id: int) -> PendingImport:
    pending = db.get_or_404(PendingImport, pending_id)
    if pending.owner_id != current_user.id:
        abort(404)
    return pending


@bp.route("/banks/import/<int:pending_id>", methods=("GET", "POST"))
@instructor_required
def confirm_import(pending_id: int) -> ResponseReturnValue:
    """Show what the upload holds; on confirmation import all of it (or nothing)."""
    pending = _own_pending_or_404(pending_id)
    preview = banks.preview_import(pending.data, filename=pending.filename, fmt=pending.format)
    form = ConfirmImportForm()
    if form.validate_on_submit():
        if preview.unsupported and not form.accept_unsupported.data:
            form.accept_unsupported.errors = [
                "Tick this to import the file without its unsupported questions."
            ]
        else:
            try:
                study_set, count = banks.import_bank(
                    pending.data,
                    filename=pending.filename,
                    fmt=pending.format,
                    owner=current_user,
                    set_name=pending.set_name,
                    accept_unsupported=form.accept_unsupported.data,
                )
            except banks.ImportRejected as exc:
                db.session.rollback()
                flash(f"Nothing imported: {exc}", "error")
            else:
                db.session.delete(pending)
                db.session.commit()
                flash(f"Imported {count} items from {pending.filename}.", "success")
                return redirect(url_for("instructor.review", set_id=study_set.id))
    return render_template(
        "instructor/confirm_import.html", pending=pending, preview=preview, form=form
    ), (400 if form.errors else 200)


@bp.get("/sets/<int:set_id>/export/<any(gift, moodle_xml, qti, csv, json, apkg, aiken):fmt>")
@instructor_required
def export_bank(set_id: int, fmt: str) -> ResponseReturnValue:
    """Download the set in a bank format."""
    content, filename, mimetype = banks.export_set(get_own_set_or_404(set_id), fmt)
    return Response(
        content,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
