"""quizapp's own JSON bank: lossless and versioned, for backups and moving sets between sites.

Shape: ``{"format": "quizapp", "version": 1, "title": ..., "items": [...]}`` where each item
holds every :class:`BankItem` field (choices as ``{"text", "fraction", "feedback"}``). Items in
the app's item-dict shape (choices as plain strings plus ``weights``/``feedback`` maps) are
accepted too, so a hand-written or API-produced file imports. A file from a newer version is
refused rather than half-read. ``line`` on each item is the line in the JSON file where the
item starts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any

from .model import (
    ITEM_TYPES,
    PROMPT_FORMATS,
    BankError,
    BankItem,
    Choice,
    NumericAnswer,
    ParseResult,
    Problem,
)

NAME = "json"
EXTENSIONS = (".json",)
FORMAT_TAG = "quizapp"
VERSION = 1


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankError(f"Line {line}: the file is not UTF-8", line) from exc


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BankError(
            f"Line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}", exc.lineno
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise BankError(f"not valid JSON: {exc}") from exc


def parse(data: bytes | str) -> ParseResult:
    """Read a quizapp JSON bank; a bad item becomes a problem, a bad file a BankError."""
    text = _decode(data)
    doc = _load(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_TAG:
        raise BankError('not a quizapp bank: expected {"format": "quizapp", ...}', 1)
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BankError('"version" must be a whole number (1)', 1)
    if version > VERSION:
        raise BankError(
            f"this bank is format version {version}; this quizapp reads up to "
            f"version {VERSION} — update quizapp to import it",
            1,
        )
    items = doc.get("items")
    if not isinstance(items, list):
        raise BankError('"items" must be a list', 1)
    title = doc.get("title")
    result = ParseResult(format=NAME, title=title if isinstance(title, str) else None)
    lines = _item_lines(text, len(items))
    for index, raw in enumerate(items):
        line = lines[index] if index < len(lines) else 1
        try:
            item = item_from_json(raw)
        except (BankError, TypeError, ValueError, KeyError, AttributeError) as exc:
            result.problems.append(Problem(line, f"Line {line}: item {index + 1}: {exc}"))
            continue
        item.line = line
        result.items.append(item)
    return result


def _item_lines(text: str, count: int) -> list[int]:
    """The line where each element of the top-level "items" array starts."""
    decoder = json.JSONDecoder()
    try:
        pos = _skip(text, 0)
        if text[pos] != "{":
            return []
        pos = _skip(text, pos + 1)
        while text[pos] != "}":
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past ':'
            if key == "items":
                return _array_lines(text, pos, decoder)
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
    except (ValueError, IndexError, RecursionError):
        pass
    return []


def _array_lines(text: str, pos: int, decoder: json.JSONDecoder) -> list[int]:
    lines = []
    pos = _skip(text, pos + 1)  # past '['
    while text[pos] != "]":
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return lines


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _str(value: Any, name: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f'"{name}" must be text')
    return value


def _num(value: Any, name: str, default: float | None) -> float | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{name}" must be a number')
    if not math.isfinite(float(value)):
        raise ValueError(f'"{name}" must be a finite number')
    return float(value)


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'"{name}" must be a list of text')
    return list(value)


def item_from_json(raw: Any) -> BankItem:
    """One item from either the full BankItem shape or the app's item-dict shape."""
    if not isinstance(raw, dict):
        raise ValueError("an item must be an object")
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        raise ValueError(f"unknown item type {kind!r} (expected one of {', '.join(ITEM_TYPES)})")
    choices = raw.get("choices") or []
    if not isinstance(choices, list):
        raise ValueError('"choices" must be a list')
    if "weights" in raw or "explanation" in raw or any(isinstance(c, str) for c in choices):
        _check_item_dict(raw)
        return BankItem.from_item_dict(raw)
    fmt = raw.get("prompt_format") or "plain"
    if fmt not in PROMPT_FORMATS:
        raise ValueError(f'"prompt_format" must be one of {", ".join(PROMPT_FORMATS)}')
    extra = raw.get("extra") or {}
    if not isinstance(extra, dict):
        raise ValueError('"extra" must be an object')
    return BankItem(
        type=kind,
        title=_str(raw.get("title"), "title"),
        prompt=_str(raw.get("prompt", ""), "prompt", optional=False) or "",
        prompt_format=fmt,
        choices=[_choice(c) for c in choices],
        answers=_strings(raw.get("answers"), "answers"),
        pairs=[_pair(p) for p in _list(raw.get("pairs"), "pairs")],
        numeric=[_numeric(n) for n in _list(raw.get("numeric"), "numeric")],
        general_feedback=_str(raw.get("general_feedback"), "general_feedback"),
        true_feedback=_str(raw.get("true_feedback"), "true_feedback"),
        false_feedback=_str(raw.get("false_feedback"), "false_feedback"),
        tags=_strings(raw.get("tags"), "tags"),
        points=_num(raw.get("points"), "points", 1.0) or 0.0,
        category=_str(raw.get("category"), "category"),
        id_number=_str(raw.get("id_number"), "id_number"),
        extra=extra,
    )


def _check_item_dict(raw: dict[str, Any]) -> None:
    for name in ("choices", "answers", "tags"):
        if not all(isinstance(v, str) for v in raw.get(name) or []):
            raise ValueError(f'"{name}" must be a list of text')
    for name in ("weights", "feedback", "extra"):
        if not isinstance(raw.get(name) or {}, dict):
            raise ValueError(f'"{name}" must be an object')
    for name in ("prompt", "title", "category", "general_feedback", "explanation"):
        _str(raw.get(name), name)
    for p in _list(raw.get("pairs"), "pairs"):
        _pair(p)
    for n in _list(raw.get("numeric"), "numeric"):
        _numeric(n)


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f'"{name}" must be a list')
    return value


def _choice(raw: Any) -> Choice:
    if not isinstance(raw, dict):
        raise ValueError("each choice must be an object with text and fraction")
    return Choice(
        text=_str(raw.get("text"), "choices.text", optional=False) or "",
        fraction=_num(raw.get("fraction"), "choices.fraction", 0.0) or 0.0,
        feedback=_str(raw.get("feedback"), "choices.feedback"),
    )


def _pair(raw: Any) -> tuple[str, str]:
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(s, str) for s in raw)):
        raise ValueError('each pair must be ["left", "right"]')
    return raw[0], raw[1]


def _numeric(raw: Any) -> NumericAnswer:
    if not isinstance(raw, dict):
        raise ValueError("each numeric answer must be an object")
    return NumericAnswer(
        value=_num(raw.get("value"), "numeric.value", None),
        tolerance=_num(raw.get("tolerance"), "numeric.tolerance", 0.0) or 0.0,
        low=_num(raw.get("low"), "numeric.low", None),
        high=_num(raw.get("high"), "numeric.high", None),
        fraction=_num(raw.get("fraction"), "numeric.fraction", 1.0) or 0.0,
        feedback=_str(raw.get("feedback"), "numeric.feedback"),
    )


def item_to_json(item: BankItem) -> dict[str, Any]:
    """Every field of the item, JSON-ready (pairs as two-element lists)."""
    data = {f.name: getattr(item, f.name) for f in fields(BankItem)}
    data["choices"] = [asdict(c) for c in item.choices]
    data["numeric"] = [asdict(n) for n in item.numeric]
    data["pairs"] = [[left, right] for left, right in item.pairs]
    data["tags"] = list(item.tags)
    data["answers"] = list(item.answers)
    data["extra"] = dict(item.extra)
    return data


def can_export(item: BankItem) -> bool:
    """The JSON bank holds every item type."""
    return True


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> str:
    """Write a version-1 quizapp bank."""
    doc = {
        "format": FORMAT_TAG,
        "version": VERSION,
        "title": title,
        "items": [
            item_to_json(raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw))
            for raw in items
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
