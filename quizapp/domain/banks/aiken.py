"""Aiken: one-line multiple-choice questions, read and written the way Moodle does.

A question is one line of text, then options ``A) text`` or ``A. text`` (the space after the
label is optional, as in Moodle 4), then ``ANSWER: X``. Every question is a single-answer
``mcq`` with plain-text prompt and options (HTML characters are literal text; Moodle stores
them escaped in HTML format, which displays the same).

Errors are reported with Moodle's own wording and line numbers, and the question is skipped:
"Question must have at least 2 answers on line N", "Question not started on line N",
"Question not completed before next question start on line N". We also report an ``ANSWER``
letter that names no option, and a question still open at the end of the file (Moodle drops
both silently).

Export follows Moodle's Aiken exporter: only single-answer multiple choice (``mcq``) items are
written, with their text flattened to one plain line; other items are left out
(:func:`can_export` tells which).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .model import BankError, BankItem, Choice, ParseResult, Problem, html_to_text

NAME = "aiken"
EXTENSIONS = (".aiken",)

_OPTION_RE = re.compile(r"^[A-Z][).][ \t]?")
_TRIM = " \t\n\r\0\x0b"


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankError(f"Line {line}: the file is not UTF-8; save it as UTF-8", line) from exc


def parse(data: bytes | str) -> ParseResult:
    """Parse an Aiken file; bad questions become problems with Moodle's messages."""
    result = ParseResult(format=NAME)
    question: BankItem | None = None
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", _decode(data)), start=1):
        line = raw.strip(_TRIM)
        if len(line) < 2:
            continue
        if _OPTION_RE.match(line):
            if question is None:
                result.problems.append(Problem(number, f"Question not started on line {number}"))
                continue
            question.choices.append(Choice(text=line[2:].strip(_TRIM)))
        elif line.startswith("ANSWER:"):
            if question is None:
                result.problems.append(Problem(number, f"Question not started on line {number}"))
                continue
            _finish(question, line, number, result)
            question = None
        else:
            if question is not None:
                result.problems.append(
                    Problem(
                        number,
                        f"Question not completed before next question start on line {number}",
                        question.prompt,
                    )
                )
            question = BankItem(type="mcq", prompt=line, prompt_format="plain", line=number)
    if question is not None:
        result.problems.append(
            Problem(
                question.line,
                f"Question not completed (no ANSWER: line) before the end of the "
                f"file; it starts on line {question.line}",
                question.prompt,
            )
        )
    return result


def _finish(question: BankItem, line: str, number: int, result: ParseResult) -> None:
    letter = line.split(":", 1)[1].strip(_TRIM)[:1]
    if len(question.choices) < 2:
        result.problems.append(
            Problem(
                number, f"Question must have at least 2 answers on line {number}", question.prompt
            )
        )
        return
    index = ord(letter) - ord("A") if letter else -1
    if not 0 <= index < len(question.choices):
        result.problems.append(
            Problem(
                number,
                f"Line {number}: ANSWER: {letter or '(missing)'} does not name one of the "
                f"{len(question.choices)} options",
                question.prompt,
            )
        )
        return
    question.choices[index].fraction = 1.0
    result.items.append(question)


def _one_line(text: str, fmt: str) -> str:
    return html_to_text(text) if fmt in ("html", "moodle") else " ".join(text.split())


def can_export(item: BankItem) -> bool:
    """Aiken holds only single-answer multiple choice with 2 to 26 options and a right one."""
    return (
        item.type == "mcq"
        and 2 <= len(item.choices) <= 26
        and any(c.fraction >= 0.999 for c in item.choices)
    )


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> str:
    """Write the mcq items as Aiken (title unused: Aiken has no comments)."""
    out = []
    for raw in items:
        item = raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw)
        if not can_export(item):
            continue
        right = next(i for i, c in enumerate(item.choices) if c.fraction >= 0.999)
        lines = [_one_line(item.prompt, item.prompt_format)]
        lines += [
            f"{chr(65 + i)}) {_one_line(c.text, item.prompt_format)}"
            for i, c in enumerate(item.choices)
        ]
        lines.append(f"ANSWER: {chr(65 + right)}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)
