"""The in-memory shape of an imported question bank, shared by every format module.

``BankItem`` follows Moodle's question model closely (weighted choices with per-choice feedback,
numerical answers with tolerances, matching pairs with distractors) because Moodle XML and GIFT
are the richest formats we read; simpler formats fill only the fields they have.

How each type uses the fields:

* ``flashcard``: ``prompt`` is the front, ``answers == [back]``.
* ``mcq`` / ``multi``: ``choices`` (text, fraction, feedback). An mcq may have several fully
  correct choices (Moodle allows it); a multi's positive fractions add up to 1.
* ``true_false``: ``answers == ["True"]`` or ``["False"]``; ``true_feedback`` /
  ``false_feedback`` are shown to a learner who picks True / False.
* ``short_answer``: ``choices`` hold every answer with its fraction and feedback (Moodle keeps
  0 % answers such as ``*`` just for their feedback); ``answers`` are the accepted ones
  (fraction > 0).
* ``numerical``: ``numeric`` answers; ``value=None`` is Moodle's ``*`` (any other answer).
* ``matching``: ``pairs``; a pair with an empty left side is a distractor (an extra answer).
* ``cloze``: ``prompt`` marks each gap with ``_____``; ``answers`` holds one accepted answer
  per gap (or several alternatives when there is one gap). Richer Moodle cloze data lives in
  ``extra["cloze_text"]`` / ``extra["gaps"]``.
* ``essay`` / ``description``: just the prompt.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

ITEM_TYPES: tuple[str, ...] = (
    "flashcard", "mcq", "multi", "true_false", "short_answer", "numerical", "matching",
    "cloze", "essay", "description",
)  # fmt: skip
PROMPT_FORMATS: tuple[str, ...] = ("plain", "html", "markdown", "moodle")
BLANK = "_____"


class BankError(ValueError):
    """A whole file cannot be read (wrong encoding, malformed XML, DTD, export-only format)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Choice:
    """One answer option; fraction is Moodle's grade for picking it (1 = fully correct)."""

    text: str
    fraction: float = 0.0
    feedback: str | None = None


@dataclass
class NumericAnswer:
    """One accepted number: ``value ± tolerance`` or the range ``low..high``."""

    value: float | None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    fraction: float = 1.0
    feedback: str | None = None


@dataclass
class Problem:
    """Something in the file that could not be imported, and where it is."""

    line: int
    message: str
    title: str | None = None
    qtype: str | None = None


@dataclass
class BankItem:
    """One imported question or flashcard (see the module docstring for field use by type)."""

    type: str
    title: str | None = None
    prompt: str = ""
    prompt_format: str = "plain"
    choices: list[Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    general_feedback: str | None = None
    true_feedback: str | None = None
    false_feedback: str | None = None
    tags: list[str] = field(default_factory=list)
    points: float = 1.0
    category: str | None = None
    line: int = 0
    id_number: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- the app's common item dict -------------------------------------------------------

    def correct_answers(self) -> list[str]:
        """The answers a learner should give: fully correct for mcq, any credit otherwise."""
        if self.type == "mcq":
            return [c.text for c in self.choices if c.fraction >= 0.999]
        if self.type in ("multi", "short_answer") and self.choices:
            return [c.text for c in self.choices if c.fraction > 0]
        if self.type == "numerical" and not self.answers:
            return [
                format_number(n.value)
                for n in self.numeric
                if n.value is not None and n.fraction >= 0.999
            ]
        return list(self.answers)

    def to_item_dict(self) -> dict[str, Any]:
        """The dict shape the app stores and the article generator produces."""
        choices: list[str] = []
        feedback: dict[str, str] = {}
        weights: dict[str, float] = {}
        if self.type == "true_false":
            choices = ["True", "False"]
            right = (self.answers or ["True"])[0]
            weights = {c: 1.0 if c == right else 0.0 for c in choices}
            feedback = {
                k: v for k, v in (("True", self.true_feedback), ("False", self.false_feedback)) if v
            }
        elif self.type in ("mcq", "multi", "short_answer"):
            if self.type != "short_answer":
                choices = [c.text for c in self.choices]
            weights = {c.text: c.fraction for c in self.choices}
            feedback = {c.text: c.feedback for c in self.choices if c.feedback}
        extra = dict(self.extra)
        pairs = [[left, right] for left, right in self.pairs if left.strip()]
        distractors = [right for left, right in self.pairs if not left.strip()]
        if distractors:
            extra["distractors"] = distractors
        return {
            "type": self.type,
            "title": self.title,
            "prompt": self.prompt,
            "prompt_format": self.prompt_format,
            "back": self.answers[0] if self.type == "flashcard" and self.answers else None,
            "choices": choices,
            "answers": self.correct_answers(),
            "pairs": pairs,
            "feedback": feedback,
            "weights": weights,
            "numeric": [asdict(n) for n in self.numeric],
            "general_feedback": self.general_feedback,
            "explanation": self.general_feedback or "",
            "tags": list(self.tags),
            "points": self.points,
            "category": self.category,
            "line": self.line,
            "id_number": self.id_number,
            "extra": extra,
        }

    @classmethod
    def from_item_dict(cls, d: dict[str, Any]) -> BankItem:
        """Build an item from the app's dict shape; missing keys get sensible defaults."""
        kind = str(d.get("type") or "")
        if kind not in ITEM_TYPES:
            raise BankError(f"unknown item type {kind!r}")
        fmt = d.get("prompt_format") or "plain"
        item = cls(
            type=kind,
            title=d.get("title") or None,
            prompt=str(d.get("prompt") or d.get("front") or ""),
            prompt_format=fmt if fmt in PROMPT_FORMATS else "plain",
            general_feedback=d.get("general_feedback") or d.get("explanation") or None,
            tags=[str(t) for t in d.get("tags") or []],
            points=_as_float(d.get("points"), 1.0),
            category=d.get("category") or None,
            line=int(d.get("line") or 0),
            id_number=d.get("id_number") or None,
            extra=dict(d.get("extra") or {}),
        )
        answers = [str(a) for a in d.get("answers") or []]
        weights = {str(k): _as_float(v, 0.0) for k, v in (d.get("weights") or {}).items()}
        feedback = {str(k): str(v) for k, v in (d.get("feedback") or {}).items() if v}
        if kind in ("mcq", "multi"):
            item.choices = _choices_from(
                d.get("choices") or [], answers, weights, feedback, split=kind == "multi"
            )
        elif kind == "true_false":
            right = _truth(answers[0]) if answers else True
            if not answers and weights:
                right = weights.get("True", 0.0) >= weights.get("False", 0.0)
            item.answers = ["True" if right else "False"]
            item.true_feedback = feedback.get("True")
            item.false_feedback = feedback.get("False")
        elif kind == "short_answer":
            texts = list(weights) or answers or [str(c) for c in d.get("choices") or []]
            item.choices = _choices_from(texts, answers, weights, feedback, split=False)
            item.answers = [c.text for c in item.choices if c.fraction > 0]
        elif kind == "flashcard":
            back = answers[0] if answers else str(d.get("back") or "")
            item.answers = [back]
        elif kind == "cloze":
            item.answers = answers
        elif kind == "matching":
            item.pairs = [(str(p[0]), str(p[1])) for p in d.get("pairs") or [] if len(p) == 2]
            item.pairs += [("", str(x)) for x in item.extra.pop("distractors", [])]
        elif kind == "numerical":
            item.numeric = [_numeric_from(n) for n in d.get("numeric") or []]
            if not item.numeric:
                item.numeric = [
                    NumericAnswer(value=v) for v in map(parse_number, answers) if v is not None
                ]
        if kind == "description":
            item.points = _as_float(d.get("points"), 0.0)
        return item


def _choices_from(
    texts: list[Any],
    answers: list[str],
    weights: dict[str, float],
    feedback: dict[str, str],
    *,
    split: bool,
) -> list[Choice]:
    texts = [str(t) for t in texts]
    correct = set(answers)
    share = 1.0 / len(correct) if split and correct else 1.0
    return [
        Choice(
            text=t,
            fraction=weights[t] if t in weights else (share if t in correct else 0.0),
            feedback=feedback.get(t),
        )
        for t in texts
    ]


def _numeric_from(n: dict[str, Any]) -> NumericAnswer:
    low, high = _opt_float(n.get("low")), _opt_float(n.get("high"))
    value = _opt_float(n.get("value"))
    tolerance = _as_float(n.get("tolerance"), 0.0)
    if value is None and low is not None and high is not None:
        value, tolerance = (low + high) / 2, (high - low) / 2
    return NumericAnswer(
        value=value,
        tolerance=tolerance,
        low=low,
        high=high,
        fraction=_as_float(n.get("fraction"), 1.0),
        feedback=n.get("feedback") or None,
    )


def _truth(text: str) -> bool:
    return str(text).strip().casefold() in ("true", "t", "1", "yes")


def _as_float(value: Any, default: float) -> float:
    result = _opt_float(value)
    return default if result is None else result


def _opt_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


@dataclass
class ParseResult:
    """What a parse produced: the items, the questions it skipped, and the unsupported ones."""

    format: str
    items: list[BankItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unsupported: list[Problem] = field(default_factory=list)
    title: str | None = None
    # Importable, but probably not what the instructor meant (see banks.warnings_for).
    warnings: list[Problem] = field(default_factory=list)


# -- helpers shared by the format modules ----------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

# Moodle accepts only these grades (question_bank::fraction_options_full), within 1e-5. They
# are kept as exact ratios so that 3 x 1/3 adds up to exactly 1 when grading.
MOODLE_FRACTIONS: tuple[float, ...] = tuple(
    sorted(
        {
            sign * f
            for sign in (1, -1)
            for f in (
                1.0,
                0.9,
                5 / 6,
                0.8,
                0.75,
                0.7,
                2 / 3,
                0.6,
                0.5,
                0.4,
                1 / 3,
                0.3,
                0.25,
                0.2,
                1 / 6,
                1 / 7,
                0.125,
                1 / 9,
                0.1,
                0.05,
                0.0,
            )
        }
    )
)


def parse_number(text: str) -> float | None:
    """A plain decimal number (PHP is_numeric style), or None: no inf/nan/underscores."""
    text = text.strip()
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def format_number(value: float | None) -> str:
    """Shortest text that reads back as the same float ('3' not '3.0')."""
    if value is None:
        return "*"
    if not math.isfinite(value):
        return repr(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_percent(fraction: float) -> str:
    """A fraction as Moodle writes a percentage (1/3 -> '33.33333')."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_FRACTION_SET = frozenset(MOODLE_FRACTIONS)


def is_moodle_fraction(fraction: float) -> bool:
    """Whether Moodle's importer accepts this grade (its match_grade_options 'error' mode)."""
    return fraction in _FRACTION_SET or any(abs(fraction - f) < 1e-5 for f in MOODLE_FRACTIONS)


def snap_fraction(fraction: float) -> float:
    """Moodle's grade for a fraction read from a file (0.3333333 -> 1/3); others unchanged."""
    if fraction in _FRACTION_SET:
        return fraction
    return next((f for f in MOODLE_FRACTIONS if abs(fraction - f) < 1e-5), fraction)


def choice_problem(item: BankItem) -> str | None:
    """Moodle's save-time checks on weighted answers; the message if the question is invalid."""
    bad = [c.fraction for c in item.choices if not is_moodle_fraction(c.fraction)]
    bad += [n.fraction for n in item.numeric if not is_moodle_fraction(n.fraction)]
    if bad:
        shown = ", ".join(format_percent(f) + "%" for f in bad)
        return f"invalid grade(s) {shown}: Moodle allows only its fixed list (e.g. 33.33333%)"
    if item.type in ("mcq", "multi") and len(item.choices) < 2:
        return "a multiple-choice question needs at least 2 answers"
    if item.type == "mcq" and max(c.fraction for c in item.choices) < 0.999:
        return "one of the answers should have a score of 100% (mark it with =)"
    if item.type == "multi":
        total = round(sum(c.fraction for c in item.choices if c.fraction > 0), 2)
        if total != 1:
            return (
                f"the positive grades add up to {format_percent(total)}%, "
                "not 100% (use = for a single right answer)"
            )
    if item.type == "short_answer" and max((c.fraction for c in item.choices), default=0) < 0.999:
        return "one of the answers should have a score of 100%"
    if item.type == "numerical" and max((n.fraction for n in item.numeric), default=0) < 0.999:
        return "one of the numerical answers should have a score of 100%"
    return None


def clean_name(name: str) -> str | None:
    """A question name as Moodle stores it: tags stripped, whitespace collapsed, 255 chars."""
    name = re.sub(r"<[a-zA-Z/!][^>]*>", "", name)
    return " ".join(name.split())[:255] or None


def normalise_category(path: str) -> str | None:
    """'$course$/top/Unit 1' -> 'Unit 1': drop Moodle's context prefix and the 'top' root."""
    path = path.strip()
    path = re.sub(r"^\$[a-z0-9]+\$/?", "", path)
    path = re.sub(r"^top(?:/|$)", "", path)
    return path.strip() or None


def html_to_text(text: str) -> str:
    """Flatten HTML to one line of plain text (for Aiken/CSV and plain exports)."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", " ", text)
    text = re.sub(r"<[^>]*>", "", text)
    return " ".join(html.unescape(text).split())


def plain_text(text: str, fmt: str) -> str:
    """The item's text as plain text, whatever its format."""
    return html_to_text(text) if fmt == "html" else text


def front_back(item: BankItem) -> tuple[str, str]:
    """A two-sided card for any item type (CSV and Anki basic notes), in plain text."""
    prompt = plain_text(item.prompt, item.prompt_format)
    if item.type in ("mcq", "multi"):
        options = "\n".join(
            f"{chr(65 + i)}) {plain_text(c.text, item.prompt_format)}"
            for i, c in enumerate(item.choices)
            if i < 26
        )
        front = f"{prompt}\n{options}" if options else prompt
        back = "; ".join(plain_text(t, item.prompt_format) for t in item.correct_answers())
    elif item.type == "matching":
        front = prompt
        back = "\n".join(f"{left} -> {right}" for left, right in item.pairs if left.strip())
    elif item.type in ("essay", "description"):
        front, back = prompt, plain_text(item.general_feedback or "", item.prompt_format)
    else:
        front = prompt
        back = " / ".join(item.correct_answers())
    return front, back
