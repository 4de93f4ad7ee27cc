"""Content: source articles with their sections, study sets and their items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from quizapp.extensions import db
from quizapp.model_base import utcnow

# JSON everywhere, JSONB where PostgreSQL offers it.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class SetStatus:
    DRAFT = "draft"
    PUBLISHED = "published"


class ItemStatus:
    """An item's review state: generated items start as drafts until an instructor approves."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    DROPPED = "dropped"


class Source(db.Model):
    """An article a study set was built from, kept as canonical text for highlighting."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    format: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sections: Mapped[list[SourceSection]] = relationship(
        back_populates="source",
        order_by="SourceSection.position",
        cascade="all, delete-orphan",
    )


class SourceSection(db.Model):
    """A section of a source: its kind (takeaways, pros, cons, analysis, other) and entries."""

    __tablename__ = "source_section"
    __table_args__ = (sa.UniqueConstraint("source_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("source.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    heading: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    start: Mapped[int] = mapped_column(default=0)
    end: Mapped[int] = mapped_column(default=0)
    # [{"label", "text", "start", "end"}] in the order of the article.
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    source: Mapped[Source] = relationship(back_populates="sections")


class StudySet(db.Model):
    """A set of items learners study; built from an article, imported, or authored."""

    __tablename__ = "study_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=SetStatus.DRAFT, index=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    source_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("source.id", ondelete="SET NULL"), index=True
    )
    # Where a bundled or imported set came from ("bundle:alaska-summit.txt"), so loading
    # question_banks/ again finds it instead of duplicating it.
    origin: Mapped[str | None] = mapped_column(sa.String(500), unique=True)
    origin_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    seed: Mapped[int] = mapped_column(default=0)
    # Test mode settings: a time limit per attempt and how many test attempts a learner gets.
    test_time_limit_s: Mapped[int | None]
    test_max_attempts: Mapped[int | None]
    # Moves on whenever the set may have gained a flashcard a learner has not seen (an item
    # added, published, or turned into a flashcard): see CaughtUp and bump_cards_version.
    cards_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    source: Mapped[Source | None] = relationship()
    items: Mapped[list[Item]] = relationship(
        back_populates="study_set", order_by="Item.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == SetStatus.PUBLISHED


class Item(db.Model):
    """One question or flashcard, with its answers and where in the source it came from."""

    __tablename__ = "item"
    __table_args__ = (
        sa.UniqueConstraint("set_id", "uid"),
        sa.Index("ix_item_set_status_position", "set_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("study_set.id", ondelete="CASCADE"))
    # Stable id from the generator or the bank, unique within the set.
    uid: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default=ItemStatus.DRAFT)
    title: Mapped[str | None] = mapped_column(sa.String(500))
    prompt: Mapped[str] = mapped_column(sa.Text)
    prompt_format: Mapped[str] = mapped_column(sa.String(20), default="plain")
    back: Mapped[str | None] = mapped_column(sa.Text)
    choices: Mapped[list[str]] = mapped_column(JSONType, default=list)
    answers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    pairs: Mapped[list[list[str]]] = mapped_column(JSONType, default=list)
    feedback: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    weights: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    numeric: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    general_feedback: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    points: Mapped[float] = mapped_column(default=1.0)
    # Where an imported question came from: its bank category, ID number and source line,
    # and format details quizapp keeps only to write them back out (matching distractors...).
    category: Mapped[str | None] = mapped_column(sa.String(500))
    id_number: Mapped[str | None] = mapped_column(sa.String(100))
    source_line: Mapped[int | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Provenance: the section and exact source text the item was generated from.
    section_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("source_section.id", ondelete="SET NULL"), index=True
    )
    provenance_kind: Mapped[str | None] = mapped_column(sa.String(20))
    provenance_heading: Mapped[str | None] = mapped_column(sa.String(500))
    provenance_text: Mapped[str | None] = mapped_column(sa.Text)
    provenance_sentence: Mapped[str | None] = mapped_column(sa.Text)
    provenance_start: Mapped[int | None]
    provenance_end: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    study_set: Mapped[StudySet] = relationship(back_populates="items")
    section: Mapped[SourceSection | None] = relationship()

    @property
    def is_gradable(self) -> bool:
        return self.type not in ("flashcard", "description", "essay")


# The item columns whose change may give a set a flashcard its learners have not seen.
CARD_COLUMNS = ("status", "type", "set_id")


def bump_cards_version(connection: sa.Connection, set_ids: set[int]) -> None:
    """Move these sets' cards_version on, so that Study now searches them for new cards
    again. Writes that bypass the ORM (a bank's bulk INSERT) call this themselves."""
    if set_ids:
        table = StudySet.__table__
        connection.execute(
            sa.update(table)
            .where(table.c.id.in_(sorted(set_ids)))
            .values(cards_version=table.c.cards_version + 1)
        )


@sa.event.listens_for(Session, "after_flush")
def _items_changed(session: Session, _context: Any) -> None:
    """Every ORM write of an item that may add a card to its set moves the set's
    cards_version on, in the same transaction."""
    changed = {item.set_id for item in session.new if isinstance(item, Item)}
    for item in session.dirty:
        if isinstance(item, Item) and item.set_id not in changed:
            attrs = sa.inspect(item).attrs
            if any(attrs[name].history.has_changes() for name in CARD_COLUMNS):
                changed.add(item.set_id)
    bump_cards_version(session.connection(), changed)


class PendingImport(db.Model):
    """An uploaded bank waiting for the instructor to confirm its preview.

    Kept in the database, not the session or a process, so any app server can finish it.
    """

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str] = mapped_column(sa.String(20))
    set_name: Mapped[str | None] = mapped_column(sa.String(500))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
