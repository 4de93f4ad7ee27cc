"""Instructor operations on their own sets: items, publishing, bank import/export, gradebook."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from typing import Any

from flask import Response, request
from flask.typing import ResponseReturnValue

from quizapp.domain import banks as bank_formats
from quizapp.domain.items import ITEM_TYPES
from quizapp.extensions import db
from quizapp.models import Item, ItemStatus, PendingImport, StudySet
from quizapp.services import authoring, banks, gradebook, sets
from quizapp.web.api import bp, present
from quizapp.web.api.auth import instructor_only
from quizapp.web.api.common import (
    ApiError,
    api_user,
    boolean,
    get_row,
    invalid,
    json_body,
    not_found,
    number,
    text,
)

STATUSES = {
    "draft": ItemStatus.DRAFT,
    "approved": ItemStatus.APPROVED,
    "dropped": ItemStatus.DROPPED,
}
IMPORT_FORMATS = tuple(bank_formats.FORMATS)
MAX_LIST = 200
MAX_ENTRY = 2000
MAX_UPLOAD_BASE64 = 12_000_000


def own_set_or_404(set_id: int) -> StudySet:
    """A set the caller may edit; other people's sets are 404, not a hint they exist."""
    study_set = get_row(StudySet, set_id)
    if study_set is None or not authoring.can_edit(api_user(), study_set):
        not_found("set")
    return study_set


def own_item_or_404(set_id: int, item_id: int) -> Item:
    """An item of a set the caller may edit."""
    study_set = own_set_or_404(set_id)
    item = get_row(Item, item_id)
    if item is None or item.set_id != study_set.id:
        not_found("item")
    return item


# --- item fields ---------------------------------------------------------------------------


def _strings(body: dict[str, Any], name: str, max_len: int = MAX_ENTRY) -> list[str]:
    value = body[name]
    if (
        not isinstance(value, list)
        or len(value) > MAX_LIST
        or not all(isinstance(v, str) and len(v) <= max_len for v in value)
    ):
        invalid(name, f"{name} must be a list of at most {MAX_LIST} strings")
    return [v.strip() for v in value if v.strip()]


def _pairs(body: dict[str, Any]) -> list[list[str]]:
    value = body["pairs"]
    if not isinstance(value, list) or len(value) > MAX_LIST or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) and s.strip() for s in p)
        and all(len(s) <= MAX_ENTRY for s in p)
        for p in value
    ):  # fmt: skip
        invalid("pairs", "pairs must be a list of [left, right] pairs of non-empty strings")
    return [[left.strip(), right.strip()] for left, right in value]


def _mapping(body: dict[str, Any], name: str, *, numbers: bool) -> dict[str, Any]:
    value = body[name]
    kind = "numbers from -1 to 1" if numbers else "strings"
    if not isinstance(value, dict) or len(value) > MAX_LIST:
        invalid(name, f"{name} must be an object mapping choices to {kind}")
    for key, entry in value.items():
        if numbers:
            ok = (
                isinstance(entry, int | float)
                and not isinstance(entry, bool)
                and math.isfinite(entry)
                and -1 <= entry <= 1
            )
        else:
            ok = isinstance(entry, str) and len(entry) <= MAX_ENTRY
        if not ok or len(key) > MAX_ENTRY:
            invalid(name, f"{name} must be an object mapping choices to {kind}")
    return {k: float(v) for k, v in value.items()} if numbers else dict(value)


NUMERIC_KEYS = ("value", "tolerance", "low", "high", "fraction")


def _numeric(body: dict[str, Any]) -> list[dict[str, Any]]:
    value = body["numeric"]
    message = (
        "numeric must be a list of {value, tolerance} or {low, high} objects "
        "(optional fraction and feedback)"
    )
    if not isinstance(value, list) or len(value) > MAX_LIST:
        invalid("numeric", message)
    specs = []
    for entry in value:
        if not isinstance(entry, dict) or not set(entry) <= {*NUMERIC_KEYS, "feedback"}:
            invalid("numeric", message)
        spec: dict[str, Any] = {
            k: number(entry, k, low=-1e15, high=1e15) for k in NUMERIC_KEYS if k in entry
        }
        if "value" not in spec and not ("low" in spec and "high" in spec):
            invalid("numeric", message)
        if "feedback" in entry:
            if not isinstance(entry["feedback"], str) or len(entry["feedback"]) > MAX_ENTRY:
                invalid("numeric", message)
            spec["feedback"] = entry["feedback"]
        specs.append(spec)
    return specs


def item_changes(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The item fields of a request body, each checked for its JSON type and size."""
    changes: dict[str, Any] = {}
    if creating or "type" in body:
        if body.get("type") not in ITEM_TYPES:
            invalid("type", f"type must be one of {', '.join(ITEM_TYPES)}")
        changes["type"] = body["type"]
    if creating or "prompt" in body:
        prompt = text(body, "prompt", max_len=5000, required=True, empty=False) or ""
        changes["prompt"] = prompt.strip()
    for name, size in (("title", 500), ("back", 5000), ("explanation", 5000)):
        if name in body:
            value = text(body, name, max_len=size)
            changes[name] = (value or "") if name == "explanation" else (value or None)
    return changes | _structured_changes(body)


def _structured_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The list, object and number fields of an item body."""
    readers = {
        "choices": lambda: _strings(body, "choices"),
        "answers": lambda: _strings(body, "answers"),
        "tags": lambda: _strings(body, "tags", max_len=100),
        "pairs": lambda: _pairs(body),
        "feedback": lambda: _mapping(body, "feedback", numbers=False),
        "weights": lambda: _mapping(body, "weights", numbers=True),
        "numeric": lambda: _numeric(body),
        "points": lambda: number(body, "points", low=0, high=1000),
    }
    return {name: read() for name, read in readers.items() if name in body}


def _apply(item: Item, changes: dict[str, Any]) -> None:
    try:
        authoring.update_item(item, changes)
    except authoring.ItemInvalid as exc:
        problems = [
            {"field": field or None, "message": message}
            for field, _, message in (p.partition(": ") for p in exc.problems)
        ]
        raise ApiError(
            422, "invalid_item", str(exc), problems[0]["field"] if problems else None,
            problems=problems,
        ) from None  # fmt: skip


def _status(body: dict[str, Any]) -> str | None:
    if "status" not in body:
        return None
    if body["status"] not in STATUSES:
        invalid("status", "status must be draft, approved or dropped")
    return STATUSES[body["status"]]


# --- items and publishing ------------------------------------------------------------------


@bp.get("/sets/<int:set_id>/items")
@instructor_only
def list_items(set_id: int) -> ResponseReturnValue:
    """Every item of an own set with its answers and status (drafts and dropped included)."""
    study_set = own_set_or_404(set_id)
    return {
        "set_id": study_set.id,
        "title": study_set.title,
        "status": study_set.status,
        "items": [present.instructor_item(item) for item in study_set.items],
    }


@bp.post("/sets/<int:set_id>/items")
@instructor_only
def create_item(set_id: int) -> ResponseReturnValue:
    """Author an item; it is approved, and goes live when the set is (re)published."""
    study_set = own_set_or_404(set_id)
    body = json_body()
    changes = item_changes(body, creating=True)
    status = _status(body)
    if changes["type"] == "true_false" and "choices" not in changes:
        changes["choices"] = ["True", "False"]
    position = max((i.position for i in study_set.items), default=0) + 1
    item = Item(
        uid=f"api-{secrets.token_hex(8)}",
        position=position,
        type=changes["type"],
        prompt="",
        status=ItemStatus.APPROVED,
    )
    study_set.items.append(item)
    _apply(item, changes)
    if status is not None:
        authoring.set_status(item, status)
    db.session.commit()
    return present.instructor_item(item), 201


@bp.patch("/sets/<int:set_id>/items/<int:item_id>")
@instructor_only
def update_item(set_id: int, item_id: int) -> ResponseReturnValue:
    """Change some fields of an item (the result must still be a valid item), or its status."""
    item = own_item_or_404(set_id, item_id)
    body = json_body()
    changes = item_changes(body, creating=False)
    status = _status(body)
    if changes:
        # authoring.update_item validates only the fields it lists, numeric not among them:
        # pass the stored ones so a numerical item stays valid when other fields change.
        changes.setdefault("numeric", list(item.numeric or []))
        _apply(item, changes)
    if status is not None:
        authoring.set_status(item, status)
    db.session.commit()
    return present.instructor_item(item)


@bp.delete("/sets/<int:set_id>/items/<int:item_id>")
@instructor_only
def delete_item(set_id: int, item_id: int) -> ResponseReturnValue:
    """Drop an item: learners stop seeing it; answers already given to it are kept."""
    item = own_item_or_404(set_id, item_id)
    authoring.set_status(item, ItemStatus.DROPPED)
    db.session.commit()
    return "", 204


@bp.post("/sets/<int:set_id>/publish")
@instructor_only
def publish_set(set_id: int) -> ResponseReturnValue:
    """Publish the set: approved items go live."""
    study_set = own_set_or_404(set_id)
    count = sets.publish_set(study_set)
    db.session.commit()
    return {"set_id": study_set.id, "status": study_set.status, "published_items": count}


# --- banks ------------------------------------------------------------------------------------


def _clean(value: str | None, name: str, max_len: int) -> str | None:
    if value is not None and (len(value) > max_len or "\x00" in value):
        invalid(name, f"{name} must be at most {max_len} characters, without NUL")
    return value or None


def _upload() -> tuple[bytes, str, str | None, str | None]:
    """(data, filename, format, set name) from a multipart upload or a JSON body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            invalid("file", "attach the bank as the multipart field 'file'", "missing_field")
        data = upload.read()
        filename = _clean(upload.filename, "file", 255) or "upload"
        fmt = _clean(request.form.get("format"), "format", 20)
        set_name = _clean(request.form.get("set_name"), "set_name", 500)
    else:
        body = json_body()
        filename = text(body, "filename", max_len=255, required=True, empty=False) or "upload"
        encoded = text(body, "content_base64", max_len=MAX_UPLOAD_BASE64, required=True) or ""
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            invalid("content_base64", "content_base64 is not valid base64")
        fmt = text(body, "format", max_len=20)
        set_name = text(body, "set_name", max_len=500) or None
    if fmt is not None and fmt not in IMPORT_FORMATS:
        invalid("format", f"format must be one of {', '.join(IMPORT_FORMATS)} (or omitted)")
    return data, filename, fmt, set_name


def _rejected(message: str, problems: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, "import_rejected", message, "file", problems=problems)


@bp.post("/imports")
@instructor_only
def create_import() -> ResponseReturnValue:
    """Upload a bank: the reply previews it; nothing is imported until it is confirmed."""
    data, filename, fmt, set_name = _upload()
    try:
        preview = banks.preview_import(data, filename=filename, fmt=fmt)
    except banks.ImportRejected as exc:
        raise _rejected(f"nothing was imported: {exc}", exc.problems) from None
    if preview.problems or not preview.items:
        problems = preview.problems or [{"line": 0, "message": "no questions found"}]
        raise _rejected(f"nothing was imported from {filename}", problems)
    pending = banks.stage_import(api_user(), data, filename, preview.format, set_name)
    db.session.commit()
    return {
        "import_id": pending.id,
        "filename": pending.filename,
        "set_name": pending.set_name,
        **preview.to_json(),
    }, 201


@bp.post("/imports/<int:import_id>/confirm")
@instructor_only
def confirm_import(import_id: int) -> ResponseReturnValue:
    """Import a previewed bank, all of it or nothing; unsupported questions need consent."""
    body = json_body(required=False)
    accept = boolean(body, "accept_unsupported", default=False)
    # Locked (where the database can) so two confirmations cannot both import.
    pending = get_row(PendingImport, import_id) and db.session.get(
        PendingImport, import_id, with_for_update=True
    )
    if pending is None or pending.owner_id != api_user().id:
        not_found("import")
    try:
        preview = banks.preview_import(pending.data, filename=pending.filename, fmt=pending.format)
        if preview.unsupported and not accept:
            raise ApiError(
                409,
                "unsupported_questions",
                "the file has questions of unsupported types: confirm with "
                "accept_unsupported to import the rest",
                "accept_unsupported",
                problems=preview.unsupported,
            )
        study_set, count = banks.import_bank(
            pending.data,
            filename=pending.filename,
            fmt=pending.format,
            owner=api_user(),
            set_name=pending.set_name,
            accept_unsupported=accept,
        )
    except banks.ImportRejected as exc:
        db.session.rollback()
        raise _rejected(f"nothing was imported: {exc}", exc.problems) from None
    db.session.delete(pending)
    db.session.commit()
    return {"set_id": study_set.id, "count": count}


@bp.get("/sets/<int:set_id>/export")
@instructor_only
def export_set(set_id: int) -> ResponseReturnValue:
    """Download an own set in a bank format (?format=gift by default)."""
    study_set = own_set_or_404(set_id)
    fmt = request.args.get("format", "gift")
    if fmt not in banks.EXPORT_FORMATS:
        invalid("format", f"format must be one of {', '.join(banks.EXPORT_FORMATS)}")
    content, filename, mimetype = banks.export_set(study_set, fmt)
    return Response(
        content,
        content_type=mimetype,  # already carries its charset where it has one
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/sets/<int:set_id>/gradebook")
@instructor_only
def set_gradebook(set_id: int) -> ResponseReturnValue:
    """Each learner's best score, number of attempts and last activity on an own set."""
    study_set = own_set_or_404(set_id)
    return {
        "set_id": study_set.id,
        "title": study_set.title,
        "learners": [present.gradebook_row(row) for row in gradebook.set_gradebook(study_set)],
    }
