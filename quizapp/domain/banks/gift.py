r"""GIFT, Moodle's plain-text question format, read the way Moodle's importer reads it.

Moodle (question/format/gift/format.php) is the reference; where the npm ``gift-pegjs`` parser
disagrees, we do what Moodle does:

* Questions are separated by blank lines; ``//`` lines are comments (``// [id:x]`` and
  ``// [tag:y]`` in them set the id number and tags). ``$CATEGORY: path`` sets the category of
  the questions after it (Moodle's ``$course$/top/`` prefix is dropped).
* The answer block is the text between the first ``{`` and the first ``}``. When text follows
  the block, the block becomes ``_____`` in the prompt (missing-word format).
* Type by the block's content, in Moodle's order: none -> description, empty -> essay, starts
  with ``#`` -> numerical, has ``~`` -> multiple choice, has ``=`` and ``->`` -> matching,
  ``T``/``TRUE``/``F``/``FALSE`` (case-sensitive) -> true/false, anything else -> short answer.
  A block starting with ``>`` is Moodle's ordering plugin: reported as unsupported.
* Multiple choice: with at least one ``=`` answer it is ``mcq`` (Moodle's single-answer MC;
  several ``=`` answers are each 100 %, as in ``{=spring =summer ~easter}``). With no ``=`` at
  all (only ``~%n%`` weights) it is ``multi`` (Moodle's ``single=0``). ``=`` gives 100 % and
  is not followed by a weight, as in Moodle.
* ``{#3:2~#Completely wrong}`` (a wrong answer with feedback after ``~``) is accepted, as
  Moodle accepts it; it becomes a ``NumericAnswer(value=None)`` (Moodle's ``*``).
* True/false feedback: ``{TRUE#a#b}`` shows ``a`` to a learner who answers wrongly and ``b``
  to one who answers rightly (Moodle's reading; gift-pegjs reads them as true/false).
* Grades must be on Moodle's list (33.33333 %, not 33 %) and a question's grades must be
  complete (a 100 % answer; a multi's positive grades adding to 100 %), or the question is
  skipped with a problem, as Moodle's import skips it.
* Files that are not UTF-8 are rejected whole (``BankError``), as Moodle rejects them.

We differ from Moodle in two small, deliberate ways: continuation lines keep their indentation
(Moodle trims every line, which breaks ``<pre>`` blocks and Markdown lists), and a question
whose text has a second ``{`` or ``}`` is reported instead of being imported garbled.

Export writes what Moodle's exporter writes. Lossy mappings (GIFT cannot hold them):
``flashcard`` -> short answer (front, ``{=back}``); ``cloze`` with one gap -> missing-word
short answer; ``points``, ``extra`` and per-choice text formats are not written. Skipped with a
``// skipped`` comment (see :func:`can_export`): a cloze with several gaps, and a short answer
or matching left side containing ``->``, which Moodle would misread as matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import (
    BLANK,
    BankError,
    BankItem,
    Choice,
    NumericAnswer,
    ParseResult,
    Problem,
    choice_problem,
    clean_name,
    format_number,
    format_percent,
    normalise_category,
    parse_number,
    snap_fraction,
)

NAME = "gift"
EXTENSIONS = (".gift",)
FORMATS = ("moodle", "html", "plain", "markdown")

# Escaped control characters become Unicode noncharacters while the question is cut up, so
# "\{" is never taken for a brace; they turn back into the characters at the end.
_ESCAPABLE = ":#={}~n"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDER.items()})
_SCRUB = str.maketrans({v: "\ufffd" for v in _PLACEHOLDER.values()})
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_WEIGHT_RE = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
_TRIM = " \t\n\r\0\x0b"  # PHP trim()'s characters: what Moodle strips.


def _trim(text: str) -> str:
    return text.strip(_TRIM)


def _pre(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: "\\" if m[1] == "\\" else _PLACEHOLDER[m[1]], text)


def _post(text: str) -> str:
    return text.translate(_RESTORE)


def decode(data: bytes | str) -> str:
    """Text of a GIFT file; non-UTF-8 bytes are an error, as in Moodle."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankError(
            f"Line {line}: the file is not UTF-8 (byte 0x{data[exc.start]:02X}); "
            "GIFT files must use UTF-8 — save it as UTF-8 and import it again",
            line,
        ) from exc


@dataclass
class _Block:
    """One question's lines: text with comment lines blanked, and where it starts."""

    text: str
    line: int
    comments: str


@dataclass
class _State:
    result: ParseResult = field(default_factory=lambda: ParseResult(format=NAME))
    category: str | None = None


def _blocks(text: str) -> Iterable[_Block]:
    lines = re.split(r"\r\n|\r|\n", text.translate(_SCRUB))
    current: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=1):
        if _trim(line):
            current.append((number, line))
            continue
        if current:
            block = _make_block(current)
            if block is not None:
                yield block
            current = []


def _make_block(lines: list[tuple[int, str]]) -> _Block | None:
    comments = [line for _, line in lines if _trim(line).startswith("//")]
    body = [(n, line) for n, line in lines if not _trim(line).startswith("//")]
    if not body:
        return None
    text = "\n".join(" " if _trim(line).startswith("//") else line for _, line in lines)
    return _Block(text=_trim(text), line=body[0][0], comments="\n".join(comments))


def parse(data: bytes | str) -> ParseResult:
    """Parse a GIFT file into items, skipped questions (problems) and unsupported ones."""
    state = _State()
    for block in _blocks(decode(data)):
        _parse_block(block, state)
    return state.result


def _parse_block(block: _Block, state: _State) -> None:
    text, line = _pre(block.text), block.line
    if text.startswith("$CATEGORY:"):
        # Moodle takes the whole block as the path; we take the line, so a question written
        # right under its $CATEGORY line still imports.
        first, _, rest = text.partition("\n")
        state.category = normalise_category(_post(first[len("$CATEGORY:") :]))
        if not _trim(rest):
            return
        lead = len(rest) - len(rest.lstrip(_TRIM))
        text, line = _trim(rest), line + 1 + rest[:lead].count("\n")
    q = _Question(text=text, line=line, comments=block.comments)
    try:
        item = q.build()
    except _Skip as skip:
        state.result.problems.append(Problem(skip.line, skip.message, q.name))
        return
    except _Unsupported as unsupported:
        state.result.unsupported.append(
            Problem(
                q.line,
                f"Line {q.line}: question '{q.name}' is a Moodle {unsupported.qtype} "
                "question, which quizapp cannot import",
                q.name,
                unsupported.qtype,
            )
        )
        return
    item.category = state.category
    state.result.items.append(item)


class _Skip(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _Unsupported(Exception):
    def __init__(self, qtype: str):
        super().__init__(qtype)
        self.qtype = qtype


def parse_text_with_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading ``[html]``-style marker off ``text``: (format, text)."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            fmt, text = text[1:end], text[end + 1 :]
    return fmt, _trim(_post(text))


def _comment(answer: str, fmt: str, parts: int = 2) -> list[str | None]:
    """Moodle's commentparser: 'text#feedback' (or 'T#wrong#right' with parts=3)."""
    bits = answer.split("#", parts - 1)
    out: list[str | None] = [parse_text_with_format(_trim(bits[0]), fmt)[1]]
    for bit in bits[1:] + [""] * (parts - len(bits)):
        out.append(parse_text_with_format(_trim(bit), fmt)[1] or None)
    return out


def _weight(answer: str) -> tuple[float | None, str]:
    """Moodle's answerweightparser: ('%50%text') -> (0.5, 'text'); no weight -> None."""
    if not _WEIGHT_RE.match(answer):
        return None, answer
    rest = answer[1:]
    end = rest.find("%")
    try:
        weight = snap_fraction(float(rest[:end]) / 100)
    except ValueError:
        weight = 0.0
    return weight, rest[end + 1 :]


def _split_answers(text: str, sep: str) -> list[str]:
    answers = text.split(sep)
    if answers and not _trim(answers[0]):
        answers.pop(0)
    return [_trim(a) for a in answers]


@dataclass
class _Question:
    text: str
    line: int
    comments: str
    title: str | None = None
    fmt: str = "moodle"

    @property
    def name(self) -> str:
        """The title, or Moodle's default name (the start of the text) for messages."""
        if self.title:
            return self.title
        words = " ".join(_post(self.text).split())
        return words[:60] + ("…" if len(words) > 60 else "")

    def line_at(self, pos: int) -> int:
        return self.line + self.text.count("\n", 0, max(pos, 0))

    def skip(self, message: str, pos: int = 0, *, near: str | None = None) -> _Skip:
        if near:
            found = self.text.find(near, max(self.text.find("{"), 0))
            pos = found if found != -1 else pos
        line = self.line_at(pos)
        where = f" (question '{self.name}')" if self.name else ""
        return _Skip(line, f"Line {line}: {message}{where}")

    def _cut_title(self) -> None:
        if not self.text.startswith("::"):
            return
        end = self.text.find("::", 2)
        if end == -1:
            self.text = self.text[2:]
            return
        self.title = clean_name(_post(self.text[2:end]))
        rest = self.text[end + 2 :]
        lead = len(rest) - len(rest.lstrip(_TRIM))
        self.line += rest[:lead].count("\n")
        self.text = _trim(rest)

    def _answer_block(self) -> tuple[str | None, str]:
        """(answer text or None for a description, prompt with _____ where needed)."""
        text = self.text
        start, finish = text.find("{"), text.find("}")
        if start == -1 and finish == -1:
            return None, text
        if start == -1 or finish == -1:
            pos = max(start, finish)
            brace = "{" if start != -1 else "}"
            other = "}" if brace == "{" else "{"
            raise self.skip(
                f"unbalanced braces: '{brace}' has no matching '{other}' "
                "(escape a literal brace as \\{ or \\})",
                pos,
            )
        if finish < start:
            raise self.skip("unbalanced braces: '}' comes before '{'", finish)
        inner = text.find("{", start + 1, finish)
        if inner != -1:
            raise self.skip("unbalanced braces: a second '{' inside the answer block", inner)
        extra = min(
            (p for p in (text.find("{", finish), text.find("}", finish + 1)) if p != -1), default=-1
        )
        if extra != -1:
            raise self.skip(
                "more than one answer block: put a blank line between questions "
                "or escape literal braces as \\{ \\}",
                extra,
            )
        if text.endswith("}"):
            prompt = text[:start]
        else:
            prompt = text[:start] + BLANK + text[finish + 1 :]
        return _trim(text[start + 1 : finish]), prompt

    def build(self) -> BankItem:
        self._cut_title()
        answer, prompt = self._answer_block()
        general = None
        if answer is not None:
            sep = answer.rfind("####")
            if sep != -1:
                general = answer[sep + 4 :]
                answer = _trim(answer[:sep])
        self.fmt, prompt = parse_text_with_format(prompt, "moodle")
        item = BankItem(
            type="description",
            title=self.title,
            prompt=prompt,
            prompt_format=self.fmt,
            line=self.line,
        )
        if general is not None:
            item.general_feedback = parse_text_with_format(general, self.fmt)[1] or None
        item.id_number, item.tags = _id_and_tags(self.comments)
        if answer is None:
            item.points = 0.0
            return item
        if answer.startswith(">"):
            raise _Unsupported("ordering")
        self._fill(item, answer)
        problem = choice_problem(item)
        if problem:
            raise self.skip(problem)
        return item

    def _fill(self, item: BankItem, answer: str) -> None:
        if answer == "":
            item.type = "essay"
        elif answer.startswith("#"):
            item.type = "numerical"
            item.numeric = self._numerical(answer[1:])
        elif "~" in answer:
            item.type = "mcq" if "=" in answer else "multi"
            item.choices = self._multichoice(answer)
        elif "=" in answer and "->" in answer:
            item.type = "matching"
            item.pairs = self._matching(answer)
        elif _trim(answer.split("#", 1)[0]) in ("T", "TRUE", "F", "FALSE"):
            item.type = "true_false"
            self._truefalse(item, answer)
        else:
            item.type = "short_answer"
            item.choices = self._shortanswer(answer)
            item.answers = [c.text for c in item.choices if c.fraction > 0]

    def _multichoice(self, answer: str) -> list[Choice]:
        choices = []
        for part in _split_answers(answer.replace("=", "~="), "~"):
            if part.startswith("="):
                fraction, part = 1.0, part[1:]
            else:
                weight, part = _weight(part)
                fraction = weight or 0.0
            text, feedback = _comment(part, self.fmt)
            if text:
                choices.append(Choice(text=str(text), fraction=fraction, feedback=feedback))
        return choices

    def _matching(self, answer: str) -> list[tuple[str, str]]:
        pairs = []
        parts = _split_answers(answer, "=")
        if len(parts) < 2:
            raise self.skip("a matching question needs at least 2 pairs")
        for part in parts:
            if "->" not in part:
                raise self.skip(f"matching answer '{_post(part)}' has no '->'", near=part)
            left, right = part.split("->", 1)
            pairs.append((parse_text_with_format(left, self.fmt)[1], _trim(_post(right))))
        return pairs

    def _truefalse(self, item: BankItem, answer: str) -> None:
        value, wrong, right = _comment(answer, self.fmt, parts=3)
        truth = value in ("T", "TRUE")
        item.answers = ["True" if truth else "False"]
        item.true_feedback, item.false_feedback = (right, wrong) if truth else (wrong, right)

    def _shortanswer(self, answer: str) -> list[Choice]:
        choices = []
        for part in _split_answers(answer, "="):
            weight, part = _weight(part)
            text, feedback = _comment(part, self.fmt)
            if text:
                choices.append(
                    Choice(
                        text=str(text),
                        fraction=1.0 if weight is None else weight,
                        feedback=feedback,
                    )
                )
        if not choices:
            raise self.skip("a short-answer question needs at least one answer")
        return choices

    def _numerical(self, answer: str) -> list[NumericAnswer]:
        wrong = None
        if "~" in answer:
            answer, wrong = answer.split("~", 1)
        parts = [p for p in _split_answers(answer, "=") if p]
        if not parts:
            raise self.skip("a numerical question needs at least one answer")
        numeric = [self._number(part) for part in parts]
        if wrong is not None:
            numeric.append(
                NumericAnswer(value=None, fraction=0.0, feedback=_comment(wrong, self.fmt)[1])
            )
        return numeric

    def _number(self, part: str) -> NumericAnswer:
        weight, part = _weight(part)
        text, feedback = _comment(part, self.fmt)
        text = str(text)
        answer = NumericAnswer(
            value=None, fraction=1.0 if weight is None else weight, feedback=feedback
        )
        if text.find("..") > 0:
            low, high = (parse_number(t) for t in text.split("..", 1))
            if low is None or high is None:
                raise self.skip(
                    f"numerical range '{text}' is not two numbers (min..max)", near=part
                )
            answer.value, answer.tolerance = (low + high) / 2, (high - low) / 2
            answer.low, answer.high = low, high
            return answer
        value_text, _, tol_text = text.partition(":") if text.find(":") > 0 else (text, "", "0")
        value, tolerance = parse_number(value_text), parse_number(tol_text)
        if (value is None and _trim(value_text) != "*") or tolerance is None:
            raise self.skip(
                f"numerical answer '{text}' is not a number (write 3.14, 3.14:0.01 or 3.1..3.2)",
                near=part,
            )
        answer.value, answer.tolerance = value, abs(tolerance)
        return answer


def _id_and_tags(comments: str) -> tuple[str | None, list[str]]:
    """Moodle 4's ``// [id:x]`` and ``// [tag:y]`` comment markers."""
    tags = [t.strip() for t in re.findall(r"\[tag:([^\]]+)\]", comments) if t.strip()]
    match = re.search(r"\[id:((?:\\.|[^\]\\])+)\]", comments)
    id_number = match[1].replace("\\]", "]").strip() if match else None
    return id_number or None, tags


# -- export ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape GIFT's control characters (Moodle's repchar): text becomes one line."""
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\r", "").replace("\n", "\\n")


def _text(text: str, fmt: str, default: str) -> str:
    """Escaped text with a format marker when it differs from the default or looks like one."""
    marker = fmt != default or text.startswith("[") or text.startswith("//")
    return (f"[{fmt}]" if marker else "") + escape(text)


def can_export(item: BankItem) -> bool:
    """Whether GIFT can hold the item.

    It cannot hold a cloze with several gaps, nor a '->' in a short answer's answers or
    feedback (Moodle would read the block as matching) or in a matching question's left side.
    """
    if item.type == "cloze" and max(item.prompt.count(BLANK), 1) > 1:
        return False
    if item.type in ("short_answer", "flashcard", "cloze"):
        texts = [c.text for c in item.choices] + [c.feedback or "" for c in item.choices]
        return not any("->" in t for t in texts + item.answers)
    if item.type == "matching":
        return not any("->" in left for left, _ in item.pairs)
    return True


def _as_item(item: BankItem | dict[str, Any]) -> BankItem:
    return item if isinstance(item, BankItem) else BankItem.from_item_dict(item)


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> str:
    """Write items as GIFT text that Moodle imports and :func:`parse` reads back."""
    blocks = [f"// {' '.join(title.split())}"] if title.strip() else []
    category = None
    for raw in items:
        item = _as_item(raw)
        if item.category and item.category != category:
            category = item.category
            blocks.append(f"$CATEGORY: $course$/top/{' '.join(category.split())}")
        blocks.append(_write(item))
    return "\n\n".join(blocks) + "\n"


def _head(item: BankItem) -> str:
    lines = []
    if item.id_number:
        id_number = " ".join(item.id_number.split()).replace("]", "\\]")
        lines.append(f"// [id:{id_number}]")
    if item.tags:
        lines.append("// " + " ".join(f"[tag:{' '.join(t.split())}]" for t in item.tags))
    name = f"::{escape(' '.join(item.title.split()))}::" if item.title else ""
    return "\n".join([*lines, name])


def _write(item: BankItem) -> str:
    if not can_export(item):
        why = (
            "a cloze question with several gaps"
            if item.type == "cloze" and item.prompt.count(BLANK) > 1
            else "an answer containing '->'"
        )
        name = " ".join((item.title or item.prompt).split())[:60]
        return f"// skipped: {why} cannot be written in GIFT: {name}"
    head = _head(item)
    fmt = item.prompt_format
    prompt = item.prompt
    if item.type == "description":
        return head + _text(prompt, fmt, "moodle")
    body = _BODY[item.type](item)
    general = ""
    if item.general_feedback:
        general = "\t####" + _text(item.general_feedback, fmt, fmt) + "\n"
    block = "{" + body + general + "}"
    stripped = prompt.rstrip()
    if BLANK in stripped and not stripped.endswith(BLANK):
        before, after = prompt.split(BLANK, 1)
        return head + _text(before, fmt, "moodle") + block + escape(after)
    return head + _text(prompt, fmt, "moodle") + block


def _mc_body(item: BankItem) -> str:
    lines = []
    for choice in item.choices:
        if item.type == "mcq" and choice.fraction >= 0.999:
            mark = "="
        elif choice.fraction == 0 and not choice.text.startswith("%"):
            mark = "~"
        else:
            mark = f"~%{format_percent(choice.fraction)}%"
        text = mark + _text(choice.text, item.prompt_format, item.prompt_format)
        if choice.feedback:
            text += "#" + _text(choice.feedback, item.prompt_format, item.prompt_format)
        lines.append("\t" + text + "\n")
    return "\n" + "".join(lines)


def _short_body(item: BankItem) -> str:
    choices = item.choices or [Choice(text=a, fraction=1.0) for a in item.answers]
    lines = []
    for choice in choices:
        text = f"=%{format_percent(choice.fraction)}%" + escape(choice.text) + "#"
        if choice.feedback:
            text += _text(choice.feedback, item.prompt_format, item.prompt_format)
        lines.append("\t" + text + "\n")
    return "\n" + "".join(lines)


def _tf_body(item: BankItem) -> str:
    truth = (item.answers or ["True"])[0] == "True"
    right, wrong = (
        (item.true_feedback, item.false_feedback)
        if truth
        else (item.false_feedback, item.true_feedback)
    )
    out = "TRUE" if truth else "FALSE"
    fmt = item.prompt_format
    if wrong:
        out += "#" + _text(wrong, fmt, fmt)
    elif right:
        out += "#"
    if right:
        out += "#" + _text(right, fmt, fmt)
    return out


def _numerical_body(item: BankItem) -> str:
    lines = []
    for answer in item.numeric:
        feedback = (
            _text(answer.feedback, item.prompt_format, item.prompt_format)
            if answer.feedback
            else ""
        )
        if answer.value is None and answer.low is None:
            lines.append(f"\t~#{feedback}\n")
            continue
        if answer.low is not None and answer.high is not None:
            number = f"{format_number(answer.low)}..{format_number(answer.high)}"
        else:
            number = f"{format_number(answer.value)}:{format_number(answer.tolerance)}"
        lines.append(f"\t=%{format_percent(answer.fraction)}%{number}#{feedback}\n")
    return "#\n" + "".join(lines)


def _matching_body(item: BankItem) -> str:
    lines = [
        f"\t={_text(left, item.prompt_format, item.prompt_format) if left else ''} -> "
        f"{escape(right)}\n"
        for left, right in item.pairs
    ]
    return "\n" + "".join(lines)


_BODY = {
    "mcq": _mc_body,
    "multi": _mc_body,
    "short_answer": _short_body,
    "flashcard": _short_body,
    "cloze": _short_body,
    "true_false": _tf_body,
    "numerical": _numerical_body,
    "matching": _matching_body,
    "essay": lambda item: "",
}
