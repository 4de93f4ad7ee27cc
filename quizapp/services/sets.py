"""Study-set use cases: build from an article, save generated items, load the bundled sets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from quizapp.domain import articles
from quizapp.extensions import db
from quizapp.models import Item, ItemStatus, SetStatus, Source, SourceSection, StudySet, User

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
# Bundled question banks; a .txt in question_banks/ is an article, an Aiken bank is .aiken.
BANK_SUFFIXES = {".gift", ".xml", ".json", ".csv", ".tsv", ".aiken"}

# Item-dict keys copied onto Item columns as they are.
ITEM_FIELDS = (
    "type", "title", "prompt", "prompt_format", "back", "choices", "answers", "pairs",
    "feedback", "weights", "numeric", "explanation", "tags", "points", "general_feedback",
    "category", "id_number", "extra",
)  # fmt: skip


@dataclass
class LoadReport:
    """What loading question_banks/ did, file by file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def build_from_article(
    data: bytes | str, *, filename: str | None = None, seed: int = 0, max_bytes: int = 5_000_000
) -> tuple[articles.Article, dict[str, Any]]:
    """Parse and generate without touching the database (the `build-set --json` path)."""
    article = articles.parse_article(data, filename=filename, max_bytes=max_bytes)
    return article, articles.generate_study_set(article, seed=seed).to_dict()


def sha256_of(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def save_source(
    article: articles.Article, *, sha: str, filename: str | None, owner: User | None
) -> Source:
    """Store the article's canonical text and its sections."""
    source = Source(
        title=article.title[:500],
        format=article.format,
        filename=filename,
        sha256=sha,
        text=article.text,
        warnings=list(article.warnings),
        owner_id=owner.id if owner else None,
    )
    for position, section in enumerate(article.sections):
        data = section.to_dict()
        source.sections.append(
            SourceSection(
                position=position,
                kind=section.kind,
                heading=section.heading[:500],
                subject=section.subject,
                start=section.start,
                end=section.end,
                entries=data["items"],
            )
        )
    db.session.add(source)
    db.session.flush()
    return source


def apply_item_dict(item: Item, data: dict[str, Any]) -> None:
    """Copy an item dict (generator, bank import or form) onto an Item row."""
    for key in ITEM_FIELDS:
        if key in data and data[key] is not None:
            value = data[key]
            if key == "pairs":
                value = [list(pair) for pair in value]
            setattr(item, key, value)
    # Accepted spellings ("deal-oriented" / "deal oriented") grade as right answers too.
    extra = [a for a in data.get("alternatives") or [] if a not in item.answers]
    if extra:
        item.answers = [*item.answers, *extra]
    prov = data.get("provenance") or {}
    item.provenance_kind = prov.get("kind")
    item.provenance_heading = prov.get("heading")
    item.provenance_text = prov.get("text")
    item.provenance_sentence = prov.get("sentence")
    item.provenance_start = prov.get("start")
    item.provenance_end = prov.get("end")


def save_generated_items(
    study_set: StudySet, source: Source | None, items: list[dict[str, Any]], *, status: str
) -> None:
    """Upsert generated items by their stable id; items no longer generated are dropped."""
    existing = {item.uid: item for item in study_set.items}
    sections = source.sections if source else []
    seen: set[str] = set()
    for position, data in enumerate(items):
        uid = str(data["id"])[:64]
        seen.add(uid)
        item = existing.get(uid)
        if item is None:
            item = Item(uid=uid, status=status)
            study_set.items.append(item)
        elif item.status == ItemStatus.DROPPED:
            item.status = status
        item.position = position
        apply_item_dict(item, data)
        index = (data.get("provenance") or {}).get("section_index")
        if isinstance(index, int) and 0 <= index < len(sections):
            item.section = sections[index]
    for uid, item in existing.items():
        if uid not in seen:
            item.status = ItemStatus.DROPPED


def create_set_from_article(
    data: bytes | str,
    *,
    filename: str | None = None,
    owner: User | None = None,
    seed: int = 0,
    publish: bool = False,
    origin: str | None = None,
    max_bytes: int = 5_000_000,
) -> StudySet:
    """Build a study set from an article and save it (drafts unless ``publish``)."""
    article, generated = build_from_article(data, filename=filename, seed=seed, max_bytes=max_bytes)
    source = save_source(article, sha=sha256_of(data), filename=filename, owner=owner)
    study_set = StudySet(
        title=article.title[:500],
        status=SetStatus.PUBLISHED if publish else SetStatus.DRAFT,
        owner_id=owner.id if owner else None,
        source=source,
        origin=origin,
        seed=seed,
        description=_describe(generated),
    )
    db.session.add(study_set)
    status = ItemStatus.PUBLISHED if publish else ItemStatus.DRAFT
    save_generated_items(study_set, source, generated["items"], status=status)
    db.session.flush()
    return study_set


def _describe(generated: dict[str, Any]) -> str:
    counts = generated.get("counts") or {}
    parts = [f"{n} {kind.replace('_', '/')}" for kind, n in sorted(counts.items())]
    return "Generated from the article: " + ", ".join(parts) if parts else ""


def load_bundled_sets(directory: str | Path, *, max_bytes: int = 5_000_000) -> LoadReport:
    """Load every article in ``directory`` as a published set, idempotently.

    A file is keyed by its name: loading again leaves an unchanged file alone and updates
    the set of a changed one in place (items matched by their stable ids), so nothing
    learners answered is lost or duplicated.
    """
    report = LoadReport()
    for path in sorted(Path(directory).iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in ARTICLE_SUFFIXES | BANK_SUFFIXES:
            continue
        origin = f"bundle:{path.name}"
        data = path.read_bytes()
        existing = db.session.scalar(sa.select(StudySet).where(StudySet.origin == origin))
        if suffix in BANK_SUFFIXES:
            _load_bundled_bank(path, data, origin, existing, report)
            continue
        try:
            if existing is None:
                create_set_from_article(
                    data, filename=path.name, publish=True, origin=origin, max_bytes=max_bytes
                )
                report.created.append(path.name)
            elif existing.source is None or existing.source.sha256 != sha256_of(data):
                _rebuild(existing, data, path.name, max_bytes)
                report.updated.append(path.name)
            else:
                report.unchanged.append(path.name)
        except articles.ArticleError as exc:
            report.failed.append((path.name, str(exc)))
    return report


def _load_bundled_bank(
    path: Path, data: bytes, origin: str, existing: StudySet | None, report: LoadReport
) -> None:
    """Import a bundled bank as a published set; a changed file replaces the set's items."""
    from quizapp.services import banks

    sha = sha256_of(data)
    if existing is not None and existing.origin_sha256 == sha:
        report.unchanged.append(path.name)
        return
    try:
        with db.session.begin_nested():  # all or nothing, per file
            if existing is not None:
                for item in existing.items:
                    item.status = ItemStatus.DROPPED
            fmt = "aiken" if path.suffix.lower() == ".aiken" else None
            study_set, _count = banks.import_bank(
                data,
                filename=path.name,
                fmt=fmt,
                set_name=existing.title if existing else None,
                accept_unsupported=True,
                publish=True,
            )
            study_set.origin, study_set.origin_sha256 = origin, sha
    except banks.ImportRejected as exc:
        details = "; ".join(f"line {p.get('line')}: {p['message']}" for p in exc.problems[:5])
        report.failed.append((path.name, f"{exc}{': ' + details if details else ''}"))
        return
    (report.updated if existing is not None else report.created).append(path.name)


def _rebuild(study_set: StudySet, data: bytes, filename: str, max_bytes: int) -> None:
    article, generated = build_from_article(
        data, filename=filename, seed=study_set.seed, max_bytes=max_bytes
    )
    source = save_source(article, sha=sha256_of(data), filename=filename, owner=None)
    study_set.source = source
    study_set.title = article.title[:500]
    save_generated_items(study_set, source, generated["items"], status=ItemStatus.PUBLISHED)
    db.session.flush()


def published_sets() -> list[tuple[StudySet, int]]:
    """Published sets with the number of items a learner can study, newest first."""
    count = (
        sa.select(sa.func.count(Item.id))
        .where(Item.set_id == StudySet.id, Item.status == ItemStatus.PUBLISHED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(StudySet, count)
        .where(StudySet.status == SetStatus.PUBLISHED)
        .order_by(StudySet.created_at.desc(), StudySet.id.desc())
    )
    return [(row[0], row[1]) for row in rows]


def learner_items(study_set: StudySet, *, types: tuple[str, ...] | None = None) -> list[Item]:
    """Items learners may see: published items of a published set, in order."""
    query = _learner_items_query(False, tuple(types) if types else None)
    return list(db.session.scalars(query, {"set_id": study_set.id}))


def learner_item_ids(study_set: StudySet, *, types: tuple[str, ...] | None = None) -> list[int]:
    """The ids of learner_items, without loading the items (starting a quiz needs no more)."""
    query = _learner_items_query(True, tuple(types) if types else None)
    return list(db.session.scalars(query, {"set_id": study_set.id}))


@lru_cache(maxsize=32)
def _learner_items_query(ids_only: bool, types: tuple[str, ...] | None) -> sa.Select:
    # Built once per shape, the set as a parameter: building it cost a quiz start more
    # than running it.
    query = sa.select(Item.id if ids_only else Item).where(
        Item.set_id == sa.bindparam("set_id"), Item.status == ItemStatus.PUBLISHED
    )
    if types:
        query = query.where(Item.type.in_(types))
    return query.order_by(Item.position, Item.id)


def learner_item_counts(study_set: StudySet) -> dict[str, int]:
    """How many items of each type learners see in the set (counted by the database)."""
    rows = db.session.execute(
        sa.select(Item.type, sa.func.count(Item.id))
        .where(Item.set_id == study_set.id, Item.status == ItemStatus.PUBLISHED)
        .group_by(Item.type)
    )
    return {item_type: count for item_type, count in rows}


def publish_set(study_set: StudySet) -> int:
    """Publish a set: approved items go live; returns how many items learners now see."""
    for item in study_set.items:
        if item.status == ItemStatus.APPROVED:
            item.status = ItemStatus.PUBLISHED
    study_set.status = SetStatus.PUBLISHED
    db.session.flush()
    return sum(1 for item in study_set.items if item.status == ItemStatus.PUBLISHED)
