"""Item dicts: the one shape items take between generator, bank formats, forms and the API."""

from __future__ import annotations

from typing import Any

ITEM_TYPES = (
    "flashcard", "mcq", "multi", "true_false", "short_answer", "numerical", "matching",
    "cloze", "essay", "description",
)  # fmt: skip


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def validate_item(item: dict[str, Any]) -> list[str]:
    """Return what is wrong with an item dict, field by field (empty when it is fine)."""
    problems: list[str] = []
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        return [f"type: unknown item type {kind!r}"]
    if not str(item.get("prompt") or "").strip():
        problems.append("prompt: the prompt is empty")
    answers = [str(a) for a in item.get("answers") or []]
    if kind in ("mcq", "multi", "true_false"):
        problems += _choice_problems(kind, [str(c) for c in item.get("choices") or []], answers)
    elif kind in ("cloze", "short_answer", "flashcard") and not answers and not item.get("back"):
        problems.append("answers: give at least one accepted answer")
    if kind == "cloze" and "_____" not in str(item.get("prompt") or ""):
        problems.append("prompt: a cloze prompt marks the gap with _____")
    if kind == "matching":
        problems += _pair_problems(item.get("pairs") or [])
    if kind == "numerical" and not item.get("numeric") and not answers:
        problems.append("numeric: give at least one number or range")
    return problems


def _choice_problems(kind: str, choices: list[str], answers: list[str]) -> list[str]:
    problems = []
    normalised = [_norm(c) for c in choices]
    if len(set(normalised)) != len(normalised):
        problems.append("choices: two choices are the same")
    if len(choices) < 2:
        problems.append("choices: give at least two choices")
    missing = [a for a in answers if _norm(a) not in normalised]
    if missing:
        problems.append(f"answers: not among the choices: {', '.join(missing)}")
    if not answers:
        problems.append("answers: mark at least one correct answer")
    if kind == "true_false" and len(answers) > 1:
        problems.append("answers: a true/false question is either true or false")
    return problems


def _pair_problems(pairs: list[list[str]]) -> list[str]:
    problems = []
    if len(pairs) < 2:
        problems.append("pairs: give at least two pairs")
    if len({_norm(p[0]) for p in pairs}) != len(pairs):
        problems.append("pairs: two left-hand items are the same")
    return problems


def split_lines(text: str | None) -> list[str]:
    """One entry per non-empty line, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_pairs(text: str | None) -> list[list[str]]:
    """Lines of ``left => right`` into pairs (lines without the arrow are skipped)."""
    pairs = []
    for line in split_lines(text):
        left, sep, right = line.partition("=>")
        if sep and left.strip() and right.strip():
            pairs.append([left.strip(), right.strip()])
    return pairs


def parse_numeric(text: str | None) -> list[dict[str, float]]:
    """Lines of ``3.14 ± 0.01`` / ``3.14 +- 0.01`` / ``3`` / ``1..5`` into numerical answers.

    :raises ValueError: naming the line that is not a number or range.
    """
    answers = []
    for number, line in enumerate(split_lines(text), start=1):
        try:
            if ".." in line:
                low, high = (float(part) for part in line.split("..", 1))
                answers.append({"low": min(low, high), "high": max(low, high), "fraction": 1.0})
                continue
            value, _sep, tolerance = line.replace("+-", "±").partition("±")
            answers.append(
                {"value": float(value), "tolerance": abs(float(tolerance or 0)), "fraction": 1.0}
            )
        except ValueError:
            raise ValueError(
                f"line {number}: {line!r} is not a number, value ± tolerance or low..high"
            ) from None
    return answers


def format_numeric(answers: list[dict[str, float]]) -> str:
    """The inverse of :func:`parse_numeric`, for editing."""
    lines = []
    for spec in answers:
        if spec.get("low") is not None and spec.get("high") is not None:
            lines.append(f"{spec['low']:g}..{spec['high']:g}")
        else:
            lines.append(f"{spec.get('value') or 0:g} ± {spec.get('tolerance') or 0:g}")
    return "\n".join(lines)
