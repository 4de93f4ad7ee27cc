"""Article parsing and study-set drafting: pure Python, no Flask or SQLAlchemy."""

from .generate import build_study_set, generate_study_set, sentence_spans
from .model import (
    Article,
    ArticleError,
    ArticleTooLarge,
    BinaryInput,
    EmptyArticle,
    Entry,
    Paragraph,
    Provenance,
    Section,
    StudyItem,
    StudySetDraft,
    UnreadableArticle,
    UnsupportedFormat,
)
from .parse import parse_article, sniff_format

__all__ = [
    "Article",
    "ArticleError",
    "ArticleTooLarge",
    "BinaryInput",
    "EmptyArticle",
    "Entry",
    "Paragraph",
    "Provenance",
    "Section",
    "StudyItem",
    "StudySetDraft",
    "UnreadableArticle",
    "UnsupportedFormat",
    "build_study_set",
    "generate_study_set",
    "parse_article",
    "sentence_spans",
    "sniff_format",
]
