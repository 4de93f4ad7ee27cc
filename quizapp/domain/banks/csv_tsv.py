r"""Term–definition CSV/TSV, as Quizlet and Anki export it: one flashcard per record.

Reading follows Anki's text importer:

* Header lines at the top (``#separator:tab``, ``#html:true``, ``#tags column:3``,
  ``#columns:Front\tBack``, ``#deck:``, ``#notetype:``) are honoured; other leading ``#``
  lines are comments.
* Without ``#separator:``, the delimiter is guessed from the first lines (tab, semicolon,
  pipe, then comma; the file extension breaks ties), and spaces after it are ignored.
  Quoted fields may hold the delimiter, ``""`` and line breaks.
* The first record fixes the number of columns (at least two); a record with another count is
  skipped ("has 3 fields, expected 2"), as are records with an empty first field and exact
  repeats of an earlier card. Column 1 is the front, column 2 the back; without a
  ``#tags column:`` header a third column holds space-separated tags (Anki's legacy
  mapping); further columns are kept in ``extra["fields"]``.

Writing produces a plain two-column TSV that Quizlet and Anki both import. Only when some item
has tags are Anki's header lines and a third "tags" column added. Every item type is written
as a front/back card (options listed on the front of a multiple-choice item); text is plain.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import BankError, BankItem, ParseResult, Problem, front_back

NAME = "csv"
EXTENSIONS = (".csv", ".tsv")

_NAMED_SEPARATORS = {
    "comma": ",", "semicolon": ";", "tab": "\t", "space": " ", "pipe": "|", "colon": ":",
}  # fmt: skip
_GUESS_ORDER = ("\t", ";", "|", ",")
_HEADER_RE = re.compile(r"#([a-z ]+):(.*)$", re.IGNORECASE)


@dataclass
class _Header:
    separator: str | None = None
    html: bool = False
    tags_column: int | None = None
    columns: list[str] = field(default_factory=list)
    deck: str | None = None
    notetype: str | None = None
    lines: int = 0


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankError(
            f"Line {line}: the file is not UTF-8; export it as UTF-8 (in Excel: 'CSV UTF-8')", line
        ) from exc


def _read_header(lines: list[str]) -> _Header:
    header = _Header()
    for line in lines:
        if not line.startswith("#"):
            break
        header.lines += 1
        match = _HEADER_RE.match(line.rstrip("\r"))
        if not match:
            continue  # a comment
        key, value = match[1].strip().lower(), match[2]
        _apply_header(header, key, value)
    return header


def _apply_header(header: _Header, key: str, value: str) -> None:
    stripped = value.strip()
    if key == "separator":
        header.separator = _NAMED_SEPARATORS.get(stripped.lower(), value[:1] or None)
    elif key == "html":
        header.html = stripped.lower() == "true"
    elif key == "tags column" and stripped.isdigit() and int(stripped) > 0:
        header.tags_column = int(stripped)
    elif key == "columns":
        header.columns = [value]  # split once the separator is known
    elif key == "deck":
        header.deck = stripped or None
    elif key == "notetype":
        header.notetype = stripped or None


def guess_delimiter(sample: list[str], extension: str | None = None) -> str:
    """The delimiter found on most of the first lines; ties go to the file type, then order."""
    lines = [line for line in sample if line.strip()][:10] or [""]
    preferred = {".csv": ",", ".tsv": "\t"}.get(extension or "")

    def score(delim: str) -> tuple[int, int, int]:
        hits = sum(1 for line in lines if delim in line)
        return hits, int(delim == preferred), -_GUESS_ORDER.index(delim)

    best = max(_GUESS_ORDER, key=score)
    return best if score(best)[0] else (preferred or "\t")


def parse(data: bytes | str, *, filename: str | None = None) -> ParseResult:
    """Parse a CSV/TSV term–definition file into flashcards."""
    text = _decode(data)
    lines = io.StringIO(text, newline="").readlines()
    header = _read_header(lines)
    body = lines[header.lines :]
    extension = (
        ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else None
    )
    delimiter = header.separator or guess_delimiter(body, extension)
    if header.columns:
        header.columns = [c.strip() for c in header.columns[0].split(delimiter)]
    reader = csv.reader(
        io.StringIO("".join(body), newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=delimiter != "\t",
        strict=False,
    )
    result = ParseResult(format=NAME, title=header.deck)
    _Builder(header, result).run(reader)
    return result


class _Builder:
    def __init__(self, header: _Header, result: ParseResult):
        self.header, self.result = header, result
        self.expected: int | None = len(header.columns) or None
        self.seen: set[tuple[str, str]] = set()
        tags = header.tags_column
        if tags is None and header.columns:
            names = [c.casefold() for c in header.columns]
            tags = names.index("tags") + 1 if "tags" in names else None
        self.tags_index = tags - 1 if tags else None

    def run(self, reader: Any) -> None:
        start = self.header.lines + 1
        try:
            for row in reader:
                line = start
                start = self.header.lines + reader.line_num + 1
                if row and any(cell.strip() for cell in row):
                    self.add(row, line)
        except csv.Error as exc:
            line = self.header.lines + reader.line_num
            self.result.problems.append(Problem(line, f"Line {line}: CSV error: {exc}"))

    def add(self, row: list[str], line: int) -> None:
        row = [cell.strip() for cell in row]
        if self.expected is None:
            self.expected = max(2, len(row))
            if self.tags_index is None and self.expected > 2 and not self.header.columns:
                self.tags_index = 2  # Anki's legacy mapping: Front, Back, then tags
        if len(row) != self.expected:
            self.problem(
                line, f"has {len(row)} field{'s' * (len(row) != 1)}, expected {self.expected}", row
            )
            return
        tags = (
            row[self.tags_index].split()
            if self.tags_index is not None and self.tags_index < len(row)
            else []
        )
        fields = [c for i, c in enumerate(row) if i != self.tags_index]
        front, back = fields[0], fields[1] if len(fields) > 1 else ""
        if not front:
            self.problem(line, "empty first field (the term)", row)
            return
        if (front, back) in self.seen:
            self.problem(line, f"appeared twice in the file: {front}", row)
            return
        self.seen.add((front, back))
        item = BankItem(
            type="flashcard",
            prompt=front,
            answers=[back],
            prompt_format="html" if self.header.html else "plain",
            tags=tags,
            category=self.header.deck,
            line=line,
        )
        if len(fields) > 2 or self.tags_index is not None:
            item.extra["fields"] = row
        self.result.items.append(item)

    def problem(self, line: int, message: str, row: list[str]) -> None:
        shown = " | ".join(row)
        self.result.problems.append(Problem(line, f"Line {line}: {message} ({shown[:80]})"))


def can_export(item: BankItem) -> bool:
    """Every item can be written as a front/back card."""
    return True


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> str:
    """Write items as a tab-separated front/back file (Anki headers only when tags exist)."""
    cards = [raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw) for raw in items]
    with_tags = any(item.tags for item in cards)
    out = io.StringIO()
    if with_tags:
        out.write("#separator:tab\n#html:false\n#tags column:3\n")
    writer = csv.writer(
        out, delimiter="\t", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    for item in cards:
        front, back = front_back(item)
        row = [_safe(front), _safe(back)]
        if with_tags:
            row.append(" ".join("_".join(t.split()) for t in item.tags))
        writer.writerow(row)
    return out.getvalue()


def _safe(text: str) -> str:
    # A leading '#' would read back as a header line, and '=' '+' '-' '@' would run as a
    # formula in a spreadsheet (CSV injection); a leading space defuses both and is stripped
    # again on import.
    return " " + text if text[:1] in ("=", "+", "-", "@", "#") else text
