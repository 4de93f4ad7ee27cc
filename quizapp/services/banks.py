"""Question-bank use cases: preview, all-or-nothing import, and export of a set."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from quizapp import gc_pause
from quizapp.domain import banks
from quizapp.extensions import db
from quizapp.models import Item, ItemStatus, PendingImport, SetStatus, StudySet, User
from quizapp.models.content import bump_cards_version

EXPORT_FORMATS = ("gift", "moodle_xml", "qti", "csv", "json", "apkg", "aiken")


@dataclass
class Preview:
    """What an import would do: the JSON shape `import-bank --dry-run --json` prints."""

    format: str
    items: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    unsupported: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "items": self.items,
            "problems": self.problems,
            "unsupported": self.unsupported,
            "warnings": self.warnings,
        }

    @property
    def importable(self) -> bool:
        return not self.problems and bool(self.items)


class ImportRejected(ValueError):
    """Nothing was imported; ``problems`` say which lines are wrong."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.problems = problems or []


def _problem(problem: banks.Problem) -> dict[str, Any]:
    data = {"line": problem.line, "message": problem.message}
    if getattr(problem, "title", None):
        data["title"] = problem.title
    if getattr(problem, "qtype", None):
        data["type"] = problem.qtype
    return data


def parse(
    data: bytes, *, filename: str | None = None, fmt: str | None = None
) -> tuple[banks.ParseResult, Preview]:
    """Parse a bank file (format detected from the content when not given)."""
    try:
        result = banks.parse_bank(data, fmt=fmt, filename=filename)
    except banks.BankError as exc:
        line = getattr(exc, "line", None)
        raise ImportRejected(str(exc), [{"line": line or 0, "message": str(exc)}]) from exc
    preview = Preview(
        format=result.format,
        items=[{"type": i.type, "title": i.title, "line": i.line} for i in result.items],
        problems=[_problem(p) for p in result.problems],
        unsupported=[_problem(p) for p in result.unsupported],
        title=result.title,
        warnings=[_problem(p) for p in result.warnings],
    )
    return result, preview


def preview_import(data: bytes, *, filename: str | None = None, fmt: str | None = None) -> Preview:
    """The preview an instructor sees before confirming (and `--dry-run --json` prints)."""
    return parse(data, filename=filename, fmt=fmt)[1]


def _target_set(owner: User | None, set_name: str | None, default_title: str) -> StudySet:
    if set_name:
        query = sa.select(StudySet).where(StudySet.title == set_name)
        query = query.where(StudySet.owner_id == owner.id) if owner else query
        existing = db.session.scalars(query.order_by(StudySet.id)).first()
        if existing is not None:
            return existing
    study_set = StudySet(
        title=(set_name or default_title)[:500],
        owner_id=owner.id if owner else None,
        status=SetStatus.DRAFT,
    )
    db.session.add(study_set)
    db.session.flush()
    return study_set


def import_bank(
    data: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    owner: User | None = None,
    set_name: str | None = None,
    accept_unsupported: bool = False,
    publish: bool = False,
    on_warning: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[StudySet, int]:
    """Import every item of a bank into a set, or nothing at all.

    A malformed question anywhere rejects the whole file. Questions of unsupported types
    are skipped only when ``accept_unsupported`` (the instructor confirmed the preview).
    ``on_warning`` hears the preview's warnings (the file imports anyway): a caller with
    no preview step, such as the CLI, can still tell its user.
    The caller commits; on an exception it must roll back.
    """
    # Parsing and the rows allocate per question, in bulk: no collector passes meanwhile.
    with gc_pause.paused():
        result, preview = parse(data, filename=filename, fmt=fmt)
    if preview.problems:
        raise ImportRejected(
            f"{len(preview.problems)} problem(s) in {filename or 'the file'}; nothing was imported",
            preview.problems,
        )
    if preview.unsupported and not accept_unsupported:
        raise ImportRejected(
            "the file has questions of types quizapp does not support; confirm to import the rest",
            preview.unsupported,
        )
    if not result.items:
        raise ImportRejected(f"no questions found in {filename or 'the file'}")
    for warning in preview.warnings if on_warning else ():
        on_warning(warning)
    title = result.title or _title_from(filename)
    study_set = _target_set(owner, set_name, title)
    start = (
        db.session.scalar(sa.select(sa.func.max(Item.position)).where(Item.set_id == study_set.id))
        or 0
    ) + 1
    status = ItemStatus.PUBLISHED if publish else ItemStatus.APPROVED
    with gc_pause.paused():
        rows = [
            _row(study_set.id, start + n, item.to_item_dict(), status)
            for n, item in enumerate(result.items)
        ]
        # One executemany on the table (not the ORM's bulk insert, which batches by a few
        # rows): a 10,000-question bank is one statement, not 10,000 flushes.
        db.session.execute(Item.__table__.insert(), rows)
        bump_cards_version(db.session.connection(), {study_set.id})  # no ORM flush saw them
    if publish:
        study_set.status = SetStatus.PUBLISHED
    db.session.flush()
    return study_set, len(rows)


def _title_from(filename: str | None) -> str:
    if not filename:
        return "Imported questions"
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename.rsplit("/", 1)[-1])
    return stem.replace("_", " ").replace("-", " ").strip() or "Imported questions"


def _row(set_id: int, position: int, data: dict[str, Any], status: str) -> dict[str, Any]:
    from quizapp.models import utcnow

    now = utcnow()
    return {
        "set_id": set_id, "uid": f"q{position}", "position": position, "type": data["type"],
        "status": status, "title": (data.get("title") or None) and data["title"][:500],
        "prompt": data.get("prompt") or "", "prompt_format": data.get("prompt_format") or "plain",
        "back": data.get("back"), "choices": data.get("choices") or [],
        "answers": data.get("answers") or [], "pairs": data.get("pairs") or [],
        "feedback": data.get("feedback") or {}, "weights": data.get("weights") or {},
        "numeric": data.get("numeric") or [], "explanation": data.get("explanation") or "",
        "general_feedback": data.get("general_feedback"), "tags": data.get("tags") or [],
        "points": float(data.get("points") or 1.0),
        "category": (data.get("category") or None) and data["category"][:500],
        "id_number": (data.get("id_number") or None) and str(data["id_number"])[:100],
        "source_line": data.get("line"), "extra": data.get("extra") or {},
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def item_to_dict(item: Item) -> dict[str, Any]:
    """An Item row as the common item dict the bank formats write."""
    return {
        "id": item.uid, "type": item.type, "title": item.title, "prompt": item.prompt,
        "prompt_format": item.prompt_format, "back": item.back, "choices": list(item.choices),
        "answers": list(item.answers), "pairs": [list(p) for p in item.pairs],
        "feedback": dict(item.feedback), "weights": dict(item.weights),
        "numeric": list(item.numeric), "explanation": item.explanation,
        "general_feedback": item.general_feedback, "tags": list(item.tags),
        "points": item.points, "category": item.category, "id_number": item.id_number,
        "extra": dict(item.extra or {}),
        "provenance": {
            "kind": item.provenance_kind, "heading": item.provenance_heading,
            "text": item.provenance_text, "sentence": item.provenance_sentence,
            "start": item.provenance_start, "end": item.provenance_end,
        } if item.provenance_text else None,
    }  # fmt: skip


def export_set(study_set: StudySet, fmt: str) -> tuple[bytes, str, str]:
    """Write a set's live items (not dropped ones) as ``fmt``: (content, filename, mimetype)."""
    if fmt not in banks.FORMATS:
        raise ImportRejected(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    items = [item_to_dict(i) for i in study_set.items if i.status != ItemStatus.DROPPED]
    content = banks.dump_bank(items, fmt, title=study_set.title)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", study_set.title).strip("-").lower()[:60] or "set"
    return content, f"{slug}{banks.file_extension(fmt)}", banks.MIMETYPES[fmt]


def find_set(ref: str) -> StudySet | None:
    """A set by id or by exact title (the CLI's SET argument)."""
    if ref.isdigit():
        found = db.session.get(StudySet, int(ref))
        if found is not None:
            return found
    return db.session.scalars(
        sa.select(StudySet).where(StudySet.title == ref).order_by(StudySet.id)
    ).first()


def stage_import(
    owner: User, data: bytes, filename: str, fmt: str, set_name: str | None
) -> PendingImport:
    """Keep an upload in the database until the instructor confirms its preview."""
    pending = PendingImport(
        owner_id=owner.id, filename=filename[:255], format=fmt, set_name=set_name or None, data=data
    )
    db.session.add(pending)
    db.session.flush()
    return pending
