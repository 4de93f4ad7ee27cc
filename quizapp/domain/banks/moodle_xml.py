"""Moodle XML: the richest question format, read safely and written as Moodle writes it.

Parsing uses ``defusedxml.sax`` only, with DTDs, entity declarations and external references
forbidden: such a file is refused with a ``BankError`` and nothing in it is expanded. SAX gives
the line of every ``<question>``, which problems and unsupported questions report.

Types: ``multichoice`` (``<single>true`` -> ``mcq``, else ``multi``), ``truefalse``,
``shortanswer``, ``numerical``, ``matching``, ``essay``, ``description`` and ``cloze``
(Moodle's multianswer: the prompt gets ``_____`` for each embedded answer, ``answers`` the right
answer of each gap, and ``extra`` keeps the original text and the gaps). ``category``
pseudo-questions set the category of the questions after them. Any other type (ordering,
gapselect, ddmarker, calculated, STACK, ...) is listed in ``unsupported`` with its line and
name.

As in Moodle's importer, a question whose grades are not on Moodle's grade list (``33`` instead
of ``33.33333``) or do not add up, or a cloze question with a broken embedded answer, is
skipped with a problem naming the line.

Export writes one ``<question>`` per item in Moodle's layout; a flashcard becomes a short-answer
question (front as question text, back as the answer), an untitled item gets a name from its
text (:func:`default_name`), and a numerical range is written as value ± tolerance. Embedded
``<file>`` images are not imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.sax import SAXException, SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.saxutils import escape

import defusedxml.sax
from defusedxml import DefusedXmlException

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
    html_to_text,
    normalise_category,
    parse_number,
    snap_fraction,
)

NAME = "moodle_xml"
EXTENSIONS = (".xml",)
SUPPORTED = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
    "cloze",
)

_FORMAT_IN = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "moodle",
}
_FORMAT_OUT = {
    "html": "html",
    "moodle": "moodle_auto_format",
    "plain": "plain_text",
    "markdown": "markdown",
}


class Node:
    """A minimal XML element that remembers the line it starts on."""

    __slots__ = ("tag", "attrs", "children", "parts", "line")

    def __init__(self, tag: str, attrs: dict[str, str], line: int):
        self.tag, self.attrs, self.line = tag, attrs, line
        self.children: list[Node] = []
        self.parts: list[str] = []

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def get(self, *path: str, default: str = "") -> str:
        """Stripped text at a child path (``get("name", "text")``), or ``default``."""
        node: Node | None = self
        for tag in path:
            node = node.find(tag) if node is not None else None
        return node.text.strip() if node is not None else default


class _TreeBuilder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[Node] = []
        self.root: Node | None = None

    @property
    def line(self) -> int | None:
        return self._locator.getLineNumber() if self._locator else None

    def startElement(self, name: str, attrs: Any) -> None:  # the SAX API's names
        line = self.line or 0
        node = Node(name, dict(attrs.items()), line)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(content)


def read_tree(data: bytes | str) -> Node:
    """Parse XML safely into Nodes; DTDs and entities are refused, never expanded."""
    handler = _TreeBuilder()
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    try:
        defusedxml.sax.parseString(
            data, handler, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        line = handler.line
        raise BankError(
            f"Line {line}: the file declares a DTD or entities ({type(exc).__name__});"
            " quizapp refuses these for safety — remove the <!DOCTYPE> part",
            line,
        ) from exc
    except SAXParseException as exc:
        line = exc.getLineNumber()
        raise BankError(
            f"Line {line}, column {exc.getColumnNumber()}: the XML is malformed: "
            f"{exc.getMessage()}",
            line,
        ) from exc
    except (SAXException, ValueError, UnicodeError) as exc:
        raise BankError(f"the XML cannot be read: {exc}") from exc
    if handler.root is None:
        raise BankError("the file holds no XML element")
    return handler.root


def parse(data: bytes | str) -> ParseResult:
    """Parse a Moodle XML file (``<quiz>`` of ``<question>``s, or one bare ``<question>``)."""
    root = read_tree(data)
    if root.tag == "question":
        questions = [root]
    elif root.tag == "quiz":
        questions = root.findall("question")
    else:
        raise BankError(
            f"Line {root.line}: not a Moodle XML question file (the root element is "
            f"<{root.tag}>, expected <quiz>)",
            root.line,
        )
    result = ParseResult(format=NAME)
    category = None
    for q in questions:
        qtype = q.attrs.get("type", "")
        if qtype == "category":
            category = normalise_category(q.get("category", "text"))
            continue
        name = (
            clean_name(q.get("name", "text"))
            or clean_name(html_to_text(q.get("questiontext", "text"))[:80])
            or f"question at line {q.line}"
        )
        if qtype not in SUPPORTED:
            result.unsupported.append(
                Problem(
                    q.line,
                    f"Line {q.line}: question '{name}' has type '{qtype}', which quizapp "
                    "cannot import",
                    name,
                    qtype or None,
                )
            )
            continue
        try:
            item = _question(q, qtype)
        except QuestionError as skip:
            result.problems.append(
                Problem(q.line, f"Line {q.line}: question '{name}': {skip}", name, qtype)
            )
            continue
        item.category = category
        result.items.append(item)
    return result


class QuestionError(ValueError):
    """This question cannot be imported (the rest of the file still can); the message says why."""


def _fmt(node: Node | None, default: str = "html") -> str:
    """A text's format as Moodle reads it: the attribute, else the default; unknown is HTML."""
    if node is None or "format" not in node.attrs:
        return default
    return _FORMAT_IN.get(node.attrs["format"].strip(), "html")


def _single(text: str) -> bool:
    """Moodle's trans_single: anything but 'false', '0' or empty means yes."""
    return text.strip() not in ("false", "0", "")


def _number(text: str, default: float) -> float:
    value = parse_number(text) if text else None
    return default if value is None else value


def _question(q: Node, qtype: str) -> BankItem:
    fmt = _fmt(q.find("questiontext"))
    item = BankItem(
        type="description",
        title=clean_name(q.get("name", "text")),
        prompt=q.get("questiontext", "text"),
        prompt_format=fmt,
        general_feedback=q.get("generalfeedback", "text") or None,
        points=_number(q.get("defaultgrade"), 0.0 if qtype == "description" else 1.0),
        line=q.line,
        id_number=q.get("idnumber") or None,
    )
    tags = q.find("tags")
    item.tags = [t.get("text") for t in tags.findall("tag") if t.get("text")] if tags else []
    _READERS[qtype](q, item)
    problem = choice_problem(item)
    if problem:
        raise QuestionError(problem)
    return item


def _fraction(node: Node) -> float:
    return snap_fraction(_number(node.attrs.get("fraction", "0"), 0) / 100)


def _answers(q: Node, item: BankItem) -> list[Choice]:
    return [
        Choice(
            text=a.get("text"), fraction=_fraction(a), feedback=a.get("feedback", "text") or None
        )
        for a in q.findall("answer")
    ]


def _options(q: Node, item: BankItem) -> None:
    """Store display options only when they differ from what :func:`dump` writes."""
    answers = q.findall("answer") or q.findall("subquestion")
    answer_fmt = _fmt(answers[0], item.prompt_format) if answers else item.prompt_format
    if answer_fmt != item.prompt_format:
        item.extra["answer_format"] = answer_fmt
    # Moodle's defaults when the element is missing: no shuffling for multichoice, shuffling
    # for matching.
    default = "false" if item.type in ("mcq", "multi") else "1"
    if not _single(q.get("shuffleanswers", default=default)):
        item.extra["shuffleanswers"] = False
    numbering = q.get("answernumbering", default="abc")
    if numbering not in ("", "abc"):
        item.extra["answernumbering"] = numbering


def _read_multichoice(q: Node, item: BankItem) -> None:
    item.type = "mcq" if _single(q.get("single", default="true")) else "multi"
    item.choices = [c for c in _answers(q, item) if c.text]
    _options(q, item)


def _read_truefalse(q: Node, item: BankItem) -> None:
    item.type = "true_false"
    truth = True
    for index, answer in enumerate(q.findall("answer")):
        fraction = _number(answer.attrs.get("fraction", "0"), 0)
        feedback = answer.get("feedback", "text") or None
        text = answer.get("text")
        if text not in ("true", "false"):  # old exports: localised words, true first
            text = "true" if index == 0 else "false"
        if text == "true":
            item.true_feedback = feedback
            truth = fraction == 100
        else:
            item.false_feedback = feedback
            truth = fraction != 100
    item.answers = ["True" if truth else "False"]


def _read_shortanswer(q: Node, item: BankItem) -> None:
    item.type = "short_answer"
    item.choices = [c for c in _answers(q, item) if c.text]
    item.answers = [c.text for c in item.choices if c.fraction > 0]
    if q.get("usecase", default="0") == "1":
        item.extra["case_sensitive"] = True


def _read_numerical(q: Node, item: BankItem) -> None:
    item.type = "numerical"
    for answer in q.findall("answer"):
        text = answer.get("text")
        value = parse_number(text)
        if value is None and text != "*":
            raise QuestionError(
                f"the answer '{text}' must be a number, for example -1.234 or 3e8, or '*'"
            )
        item.numeric.append(
            NumericAnswer(
                value=value,
                tolerance=abs(_number(answer.get("tolerance"), 0.0)),
                fraction=_fraction(answer),
                feedback=answer.get("feedback", "text") or None,
            )
        )


def _read_matching(q: Node, item: BankItem) -> None:
    item.type = "matching"
    item.pairs = [(sub.get("text"), sub.get("answer", "text")) for sub in q.findall("subquestion")]
    if sum(1 for left, _ in item.pairs if left) < 2:
        raise QuestionError("a matching question needs at least 2 subquestions with answers")
    _options(q, item)


def _read_essay(q: Node, item: BankItem) -> None:
    item.type = "essay"


def _read_description(q: Node, item: BankItem) -> None:
    item.type = "description"


def _read_cloze(q: Node, item: BankItem) -> None:
    item.type = "cloze"
    prompt, gaps = parse_cloze(item.prompt)
    item.extra["cloze_text"] = item.prompt
    item.extra["gaps"] = gaps
    item.prompt = prompt
    if len(gaps) == 1 and gaps[0]["type"].startswith("SHORTANSWER"):
        # One gap: every fully-right alternative is an accepted spelling, as in quizapp's own
        # cloze items (for several gaps, answers[i] is gap i's answer).
        item.answers = [a["text"] for a in gaps[0]["alternatives"] if a["fraction"] >= 0.999]
    else:
        item.answers = [gap["answer"] for gap in gaps]


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "matching": _read_matching,
    "essay": _read_essay,
    "description": _read_description,
    "cloze": _read_cloze,
}

# -- cloze (Moodle's multianswer) ------------------------------------------------------------

_GAP_TYPES = {
    "NUMERICAL": "NUMERICAL", "NM": "NUMERICAL",
    "SHORTANSWER": "SHORTANSWER", "SA": "SHORTANSWER", "MW": "SHORTANSWER",
    "SHORTANSWER_C": "SHORTANSWER_C", "SAC": "SHORTANSWER_C", "MWC": "SHORTANSWER_C",
    "MULTICHOICE": "MULTICHOICE", "MC": "MULTICHOICE", "MULTICHOICE_V": "MULTICHOICE_V",
    "MCV": "MULTICHOICE_V", "MULTICHOICE_H": "MULTICHOICE_H", "MCH": "MULTICHOICE_H",
    "MULTICHOICE_S": "MULTICHOICE_S", "MCS": "MULTICHOICE_S", "MULTICHOICE_VS": "MULTICHOICE_VS",
    "MCVS": "MULTICHOICE_VS", "MULTICHOICE_HS": "MULTICHOICE_HS", "MCHS": "MULTICHOICE_HS",
    "MULTIRESPONSE": "MULTIRESPONSE", "MR": "MULTIRESPONSE", "MULTIRESPONSE_H": "MULTIRESPONSE_H",
    "MRH": "MULTIRESPONSE_H", "MULTIRESPONSE_S": "MULTIRESPONSE_S", "MRS": "MULTIRESPONSE_S",
    "MULTIRESPONSE_HS": "MULTIRESPONSE_HS", "MRHS": "MULTIRESPONSE_HS",
}  # fmt: skip
_TYPE_ALT = "|".join(sorted(_GAP_TYPES, key=len, reverse=True))
_GAP_RE = re.compile(r"\{(\d*):(" + _TYPE_ALT + r")(?::((?:\\.|[^}\\])*))?\}")
_CLOZE_ESCAPES = '\\}#~/"'


def _unescape_cloze(text: str) -> str:
    return re.sub(r"\\([\\}#~/\"])", r"\1", text)


def _escape_cloze(text: str) -> str:
    return "".join("\\" + c if c in _CLOZE_ESCAPES else c for c in text)


def _split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` where it is not escaped with a backslash (escapes are kept)."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if text[i] == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def _alternative(text: str) -> dict[str, Any]:
    fraction = 0.0
    if text.startswith("="):
        fraction, text = 1.0, text[1:]
    else:
        match = re.match(r"%(-?\d+(?:[.,]\d*)?)%", text)
        if match:
            fraction = snap_fraction(float(match[1].replace(",", ".")) / 100)
            text = text[match.end() :]
    answer_text, feedback_text = (_split(text, "#") + [""])[:2]
    return {
        "text": _unescape_cloze(answer_text).strip(),
        "fraction": fraction,
        "feedback": _unescape_cloze(feedback_text).strip() or None,
    }


def parse_cloze(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Moodle cloze text -> (prompt with _____ per gap, gaps); QuestionError if it is broken."""
    gaps: list[dict[str, Any]] = []
    for match in _GAP_RE.finditer(text):
        gaps.append(_gap(match))
    if not gaps:
        raise QuestionError(
            "Invalid embedded answers (Cloze) question: The question text must include "
            "at least one embedded answer."
        )
    return _GAP_RE.sub(BLANK, text), gaps


def _gap(match: re.Match[str]) -> dict[str, Any]:
    kind = _GAP_TYPES[match[2]]
    body = match[3] or ""
    alternatives = [_alternative(a) for a in _split(body, "~") if a.strip()] if body else []
    where = f"Invalid embedded answers (Cloze) question: in {match[0][:60]}: "
    if kind.startswith("MULTI") and len(alternatives) < 2:
        raise QuestionError(where + "This type of question requires at least 2 choices.")
    if not alternatives:
        raise QuestionError(where + "the embedded answer has no answers.")
    if kind == "NUMERICAL":
        for alt in alternatives:
            number = alt["text"].split(":", 1)
            if alt["text"] != "*" and (
                parse_number(number[0]) is None
                or (len(number) > 1 and parse_number(number[1]) is None)
            ):
                raise QuestionError(
                    where + "The answer must be a number, for example -1.234 or 3e8, or '*'."
                )
    right = [a for a in alternatives if a["fraction"] >= 0.999]
    if not right:
        raise QuestionError(
            where + "One of the answers should have a score of 100% so it is possible "
            "to get full marks for this question."
        )
    answer = right[0]["text"].split(":", 1)[0] if kind == "NUMERICAL" else right[0]["text"]
    return {
        "type": kind,
        "weight": int(match[1]) if match[1] else 1,
        "alternatives": alternatives,
        "answer": answer,
    }


def build_cloze(item: BankItem) -> str:
    """Moodle cloze text for an item: its original text if still accurate, else SHORTANSWER gaps."""
    original = item.extra.get("cloze_text")
    if isinstance(original, str):
        try:
            prompt, gaps = parse_cloze(original)
        except QuestionError:
            prompt, gaps = "", []
        right = (
            [a["text"] for a in gaps[0]["alternatives"] if a["fraction"] >= 0.999]
            if len(gaps) == 1 and gaps[0]["type"].startswith("SHORTANSWER")
            else [g["answer"] for g in gaps]
        )
        if prompt == item.prompt and right == item.answers:
            return original
    pieces = item.prompt.split(BLANK)
    answers = list(item.answers)
    if len(pieces) == 1:
        pieces.append("")
        pieces[0] = pieces[0] + " " if pieces[0] and not pieces[0].endswith(" ") else pieces[0]
    gaps = len(pieces) - 1
    if gaps == 1:
        groups = [answers]
    else:
        groups = [[a] for a in answers[:gaps]] + [[] for _ in range(gaps - len(answers))]
    out = [pieces[0]]
    for group, piece in zip(groups, pieces[1:], strict=True):
        body = "~".join("=" + _escape_cloze(a) for a in group)
        out.append("{1:SHORTANSWER:" + body + "}" + piece)
    return "".join(out)


# -- export ----------------------------------------------------------------------------------

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _text(text: str | None) -> str:
    """A <text> element: CDATA for markup (as Moodle writes it), escaped otherwise."""
    text = _clean(text or "")
    if any(c in text for c in "<>&") and "]]>" not in text:
        return f"<text><![CDATA[{text}]]></text>"
    return f"<text>{escape(text)}</text>"


def _block(tag: str, text: str | None, fmt: str, indent: str = "    ") -> str:
    return (
        f'{indent}<{tag} format="{_FORMAT_OUT.get(fmt, "html")}">\n'
        f"{indent}  {_text(text)}\n{indent}</{tag}>\n"
    )


def can_export(item: BankItem) -> bool:
    """Moodle XML holds every item type (flashcards as short answer)."""
    return True


def default_name(item: BankItem) -> str:
    """The question name written for an item: its title, else the start of its text.

    Moodle needs a name and does not make one up on XML import (it does for GIFT and Aiken),
    so untitled items get one the way Moodle's GIFT importer makes it.
    """
    if item.title:
        return item.title
    text = html_to_text(item.prompt) if item.prompt_format in ("html", "moodle") else item.prompt
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77].rsplit(" ", 1)[0] + "..."
    return clean_name(text) or "Question"


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> str:
    """Write items as a Moodle XML ``<quiz>``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    if title.strip():
        out.append(f"<!-- {_clean(' '.join(title.split())).replace('--', '- -')} -->\n")
    category = None
    for raw in items:
        item = raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw)
        if item.category and item.category != category:
            category = item.category
            out.append(
                '  <question type="category">\n    <category>\n      '
                f"{_text('$course$/top/' + category)}\n    </category>\n  </question>\n\n"
            )
        out.append(_write(item))
    out.append("</quiz>\n")
    return "".join(out)


_QTYPE = {
    "mcq": "multichoice",
    "multi": "multichoice",
    "true_false": "truefalse",
    "short_answer": "shortanswer",
    "flashcard": "shortanswer",
    "numerical": "numerical",
    "matching": "matching",
    "essay": "essay",
    "description": "description",
    "cloze": "cloze",
}


def _write(item: BankItem) -> str:
    fmt = item.prompt_format
    qtype = _QTYPE[item.type]
    prompt = build_cloze(item) if item.type == "cloze" else item.prompt
    out = [
        f'  <question type="{qtype}">\n',
        f"    <name>\n      {_text(default_name(item))}\n    </name>\n",
        _block("questiontext", prompt, fmt),
        _block("generalfeedback", item.general_feedback, fmt),
        f"    <defaultgrade>{format_number(item.points)}</defaultgrade>\n",
        f"    <penalty>{'1' if item.type == 'true_false' else '0.3333333'}</penalty>\n",
        "    <hidden>0</hidden>\n",
        f"    <idnumber>{escape(_clean(item.id_number or ''))}</idnumber>\n",
    ]
    out.append(_WRITERS.get(item.type, lambda item: "")(item))
    if item.tags:
        out.append(
            "    <tags>\n"
            + "".join(f"      <tag>{_text(t)}</tag>\n" for t in item.tags)
            + "    </tags>\n"
        )
    out.append("  </question>\n\n")
    return "".join(out)


def _answer(
    text: str,
    fraction: float,
    feedback: str | None,
    fmt: str,
    answer_fmt: str | None = None,
    extra: str = "",
) -> str:
    attr = f' format="{_FORMAT_OUT.get(answer_fmt, "html")}"' if answer_fmt else ""
    return (
        f'    <answer fraction="{format_percent(fraction)}"{attr}>\n      {_text(text)}\n'
        + _block("feedback", feedback, fmt, indent="      ")
        + extra
        + "    </answer>\n"
    )


def _write_choices(item: BankItem) -> str:
    fmt = item.prompt_format
    answer_fmt = item.extra.get("answer_format", fmt)
    shuffle = "false" if item.extra.get("shuffleanswers") is False else "true"
    out = [
        f"    <single>{'true' if item.type == 'mcq' else 'false'}</single>\n",
        f"    <shuffleanswers>{shuffle}</shuffleanswers>\n",
        f"    <answernumbering>{escape(str(item.extra.get('answernumbering', 'abc')))}"
        "</answernumbering>\n",
    ]
    out += [_answer(c.text, c.fraction, c.feedback, fmt, answer_fmt) for c in item.choices]
    return "".join(out)


def _write_truefalse(item: BankItem) -> str:
    truth = (item.answers or ["True"])[0] == "True"
    return _answer(
        "true", 1.0 if truth else 0.0, item.true_feedback, item.prompt_format, "moodle"
    ) + _answer("false", 0.0 if truth else 1.0, item.false_feedback, item.prompt_format, "moodle")


def _write_shortanswer(item: BankItem) -> str:
    choices = item.choices or [Choice(text=a, fraction=1.0) for a in item.answers]
    usecase = "1" if item.extra.get("case_sensitive") else "0"
    return f"    <usecase>{usecase}</usecase>\n" + "".join(
        _answer(c.text, c.fraction, c.feedback, item.prompt_format, "moodle") for c in choices
    )


def _write_numerical(item: BankItem) -> str:
    out = []
    for n in item.numeric:
        tolerance = f"      <tolerance>{format_number(n.tolerance)}</tolerance>\n"
        out.append(
            _answer(
                format_number(n.value),
                n.fraction,
                n.feedback,
                item.prompt_format,
                "moodle",
                tolerance,
            )
        )
    return "".join(out)


def _write_matching(item: BankItem) -> str:
    fmt = item.extra.get("answer_format", item.prompt_format)
    shuffle = "false" if item.extra.get("shuffleanswers") is False else "true"
    out = [f"    <shuffleanswers>{shuffle}</shuffleanswers>\n"]
    for left, right in item.pairs:
        out.append(
            f'    <subquestion format="{_FORMAT_OUT.get(fmt, "html")}">\n'
            f"      {_text(left)}\n      <answer>\n        {_text(right)}\n"
            "      </answer>\n    </subquestion>\n"
        )
    return "".join(out)


def _write_essay(item: BankItem) -> str:
    return (
        "    <responseformat>editor</responseformat>\n"
        "    <responserequired>1</responserequired>\n"
        "    <responsefieldlines>15</responsefieldlines>\n"
        "    <attachments>0</attachments>\n"
        "    <attachmentsrequired>0</attachmentsrequired>\n"
        + _block("graderinfo", "", "html")
        + _block("responsetemplate", "", "html")
    )


_WRITERS = {
    "mcq": _write_choices,
    "multi": _write_choices,
    "true_false": _write_truefalse,
    "short_answer": _write_shortanswer,
    "flashcard": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": _write_essay,
}
