"""Plain dataclasses describing a parsed article and the study set drafted from it.

Every offset (``start``/``end``) indexes into ``Article.text``, the canonical plain rendering the
parser builds, so the web page can render that text and highlight any slice of it.  Offsets are
Python string indices (code points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SectionKind = Literal["takeaways", "pros", "cons", "analysis", "other"]
ArticleFormat = Literal["text", "markdown", "html"]
ItemType = Literal["flashcard", "mcq", "multi", "true_false", "cloze", "matching"]

SECTION_KINDS: tuple[str, ...] = ("takeaways", "pros", "cons", "analysis", "other")
ITEM_TYPES: tuple[str, ...] = ("flashcard", "mcq", "multi", "true_false", "cloze", "matching")


class ArticleError(ValueError):
    """Base class for every article problem a user can be told about."""


class EmptyArticle(ArticleError):
    """The upload holds no readable text."""


class BinaryInput(ArticleError):
    """The upload is not text (NUL bytes, undecodable bytes, control characters)."""


class ArticleTooLarge(ArticleError):
    """The upload is bigger than the configured limit."""


class UnsupportedFormat(ArticleError):
    """An explicit format was requested that the parser does not know."""


class UnreadableArticle(ArticleError):
    """The markup is too malformed or deeply nested to read safely."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One list bullet; ``text`` excludes the ``Label: `` prefix when there is a label."""

    label: str | None
    text: str
    start: int
    end: int
    label_start: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "label_start": self.label_start,
        }


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph, joined to a single line."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with its paragraphs and at most one list of entries.

    ``noun`` is the singular word the article uses for the list ("con", "advantage", "aim") and
    ``subject_phrase`` the phrase naming whom it concerns ("for Putin"); the generator words its
    questions with them.
    """

    kind: SectionKind
    heading: str
    subject: str | None
    entries: list[Entry]
    paragraphs: list[Paragraph]
    start: int
    end: int
    heading_start: int
    level: int = 0
    noun: str | None = None
    subject_phrase: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (entries under the key ``items``)."""
        return {
            "kind": self.kind,
            "heading": self.heading,
            "subject": self.subject,
            "items": [e.to_dict() for e in self.entries],
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "start": self.start,
            "end": self.end,
            "heading_start": self.heading_start,
            "level": self.level,
            "noun": self.noun,
        }


@dataclass(frozen=True, slots=True)
class Article:
    """A parsed article: canonical text plus the sections found in it."""

    title: str
    text: str
    format: ArticleFormat
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)

    def sections_of(self, kind: str) -> list[Section]:
        """Return the sections of one kind, in article order."""
        return [s for s in self.sections if s.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {
            "title": self.title,
            "format": self.format,
            "text": self.text,
            "sections": [s.to_dict() for s in self.sections],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an item comes from: the entry text it is about and the exact sentence used."""

    kind: str
    heading: str
    text: str
    sentence: str
    start: int
    end: int
    section_index: int
    sentence_start: int
    sentence_end: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {
            "kind": self.kind,
            "heading": self.heading,
            "text": self.text,
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "section_index": self.section_index,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
        }


@dataclass(frozen=True, slots=True)
class StudyItem:
    """One generated question or card."""

    id: str
    type: ItemType
    prompt: str
    choices: list[str]
    answers: list[str]
    pairs: list[list[str]]
    explanation: str
    provenance: Provenance
    back: str | None = None
    tags: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {
            "id": self.id,
            "type": self.type,
            "prompt": self.prompt,
            "choices": list(self.choices),
            "answers": list(self.answers),
            "pairs": [list(p) for p in self.pairs],
            "explanation": self.explanation,
            "provenance": self.provenance.to_dict(),
            "back": self.back,
            "tags": list(self.tags),
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True, slots=True)
class StudySetDraft:
    """Items drafted from one article, not yet saved anywhere."""

    article: Article
    seed: int
    items: list[StudyItem]
    warnings: list[str]

    @property
    def counts(self) -> dict[str, int]:
        """Return the number of items per type, every type present."""
        counts = dict.fromkeys(ITEM_TYPES, 0)
        for item in self.items:
            counts[item.type] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready study set."""
        article = self.article.to_dict()
        return {
            "title": article["title"],
            "format": article["format"],
            "seed": self.seed,
            "warnings": list(self.warnings),
            "sections": article["sections"],
            "items": [item.to_dict() for item in self.items],
            "counts": self.counts,
            "text": article["text"],
        }
