"""Question-bank formats: one module per format, each with ``parse()`` and ``dump()``.

The registry lets services and the CLI work with a format by name without knowing the modules:
:func:`detect_format` guesses the format of an upload, :func:`parse_bank` reads it into a
:class:`ParseResult` (items, problems with line numbers, unsupported questions) and
:func:`dump_bank` writes items (``BankItem`` objects or the app's item dicts) back out.

A file that cannot be read at all raises :class:`BankError`; a question that cannot be read
becomes a ``Problem`` and the rest of the file still imports.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from . import aiken, apkg, csv_tsv, gift, moodle_xml, qti, quizapp_json
from .model import (
    ITEM_TYPES,
    BankError,
    BankItem,
    Choice,
    NumericAnswer,
    ParseResult,
    Problem,
)

__all__ = [
    "EXPORT_ONLY", "FORMATS", "ITEM_TYPES", "MIMETYPES", "BankError", "BankItem", "Choice",
    "NumericAnswer", "ParseResult", "Problem", "can_export", "detect_format", "dump_bank",
    "file_extension", "parse_bank",
]  # fmt: skip

FORMATS: dict[str, ModuleType] = {
    "gift": gift,
    "aiken": aiken,
    "moodle_xml": moodle_xml,
    "csv": csv_tsv,
    "json": quizapp_json,
    "qti": qti,
    "apkg": apkg,
}
EXPORT_ONLY = frozenset({"qti", "apkg"})
MIMETYPES = {
    "gift": "text/plain; charset=utf-8",
    "aiken": "text/plain; charset=utf-8",
    "moodle_xml": "application/xml",
    "csv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "qti": "application/zip",
    "apkg": "application/octet-stream",
}
_EXPORT_EXTENSION = {
    "gift": ".gift",
    "aiken": ".txt",
    "moodle_xml": ".xml",
    "csv": ".tsv",
    "json": ".json",
    "qti": ".zip",
    "apkg": ".apkg",
}
_BY_EXTENSION = {ext: name for name, module in FORMATS.items() for ext in module.EXTENSIONS}

_AIKEN_ANSWER = re.compile(r"^[ \t]*ANSWER:[ \t]*[A-Z]", re.MULTILINE)
_AIKEN_OPTION = re.compile(r"^[ \t]*[A-Z][).]", re.MULTILINE)
_GIFT_HINT = re.compile(r"\{[^{}]*\}|^::|^\$CATEGORY:|^//", re.MULTILINE)
_ANKI_HEADER = re.compile(
    r"\A(?:#[^\n]*\n)*#(?:separator|html|tags column|columns|notetype|deck|guid column"
    r"|notetype column|deck column):",
    re.IGNORECASE,
)


def _module(fmt: str) -> ModuleType:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise BankError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})") from None


def file_extension(fmt: str) -> str:
    """The extension an export in this format is saved with ('.gift', '.xml', ...)."""
    _module(fmt)
    return _EXPORT_EXTENSION[fmt]


def _zip_format(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BankError(f"the file looks like a zip archive but cannot be opened: {exc}") from exc
    if names & {"collection.anki2", "collection.anki21", "collection.anki21b"}:
        return "apkg"
    if "imsmanifest.xml" in names:
        return "qti"
    raise BankError("a zip file that is neither an Anki package nor a QTI package")


def _sniff_text(text: str, extension: str | None) -> str:
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "moodle_xml"
    if head.startswith("{"):
        try:
            doc = json.loads(head)
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and doc.get("format") == quizapp_json.FORMAT_TAG:
            return "json"
    first = next((line for line in head.splitlines() if line.strip() and line[0] != "#"), "")
    if ("\t" in first and not _GIFT_HINT.search(first)) or _ANKI_HEADER.match(head):
        return "csv"
    if _AIKEN_ANSWER.search(text) and _AIKEN_OPTION.search(text):
        return "aiken"
    if _GIFT_HINT.search(text):
        return "gift"
    if extension in (".csv", ".tsv"):
        return "csv"
    lines = [line for line in head.splitlines() if line.strip()][:10]
    if lines and sum(";" in line or "," in line for line in lines) * 2 > len(lines):
        return "csv"  # most lines hold a delimiter (quoted fields may span lines)
    return "gift"


def detect_format(data: bytes, filename: str | None = None) -> str:
    """Guess a bank's format from its name and content (content wins for .txt files)."""
    extension = None
    if filename and "." in filename:
        extension = "." + filename.rsplit(".", 1)[-1].lower()
    if data[:4] == b"PK\x03\x04":
        return _zip_format(data)
    if extension in _BY_EXTENSION and extension != ".zip":
        return _BY_EXTENSION[extension]
    text = data[:65536].decode("utf-8", errors="replace")
    return _sniff_text(text, extension)


def parse_bank(data: bytes, fmt: str | None = None, filename: str | None = None) -> ParseResult:
    """Parse a bank in the given (or detected) format; raises BankError if unreadable."""
    fmt = fmt or detect_format(data, filename)
    module = _module(fmt)
    if fmt == "csv":
        result: ParseResult = module.parse(data, filename=filename)
    else:
        result = module.parse(data)
    result.format = fmt
    result.warnings = warnings_for(result)
    return result


# How each format writes a question's answers, for the warning about a file without any.
_ANSWER_SYNTAX = {
    "gift": "in GIFT a question ends with its answers in braces: What is 2+2? {=4 ~3}",
}


def warnings_for(result: ParseResult) -> list[Problem]:
    """What is importable but probably a mistake: a file in which nothing can be answered.

    GIFT reads any text without braces as a description (Moodle does the same), so the
    wrong file - notes, an article, a bank in another format - parses without a single
    problem into a set of questions that ask nothing. The preview says so before import.
    """
    if not result.items or any(item.type != "description" for item in result.items):
        return []
    count = len(result.items)
    message = (
        f"nothing in this file can be answered: {'its' if count == 1 else 'all'} {count} "
        f"block{'' if count == 1 else 's'} would be imported as description text worth no "
        "points. Is this the right file?"
    )
    syntax = _ANSWER_SYNTAX.get(result.format)
    if syntax:
        message += f" ({syntax})"
    return [Problem(result.items[0].line or 1, message)]


def _as_items(items: Iterable[BankItem | dict[str, Any]]) -> list[BankItem]:
    return [item if isinstance(item, BankItem) else BankItem.from_item_dict(item) for item in items]


def can_export(item: BankItem | dict[str, Any], fmt: str) -> bool:
    """Whether ``fmt`` can hold the item (e.g. Aiken only holds single-answer MCQs)."""
    module = _module(fmt)
    return bool(module.can_export(_as_items([item])[0]))


def dump_bank(items: Iterable[BankItem | dict[str, Any]], fmt: str, *, title: str) -> bytes:
    """Write items in ``fmt``; items the format cannot hold are left out (see can_export)."""
    module = _module(fmt)
    out = module.dump(_as_items(items), title=title)
    return out if isinstance(out, bytes) else out.encode("utf-8")
