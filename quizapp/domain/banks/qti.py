"""QTI 1.2 export, packaged the way Canvas exports (and so imports) a quiz.

The zip holds ``imsmanifest.xml``, ``<id>/<id>.xml`` (the ``questestinterop`` assessment) and
``<id>/assessment_meta.xml`` (Canvas's quiz settings). Canvas question types used:

* ``mcq`` -> ``multiple_choice_question`` (every 100 % choice scores), ``multi`` ->
  ``multiple_answers_question`` (choices with positive weight must be picked; partial weights
  are not expressible), ``true_false`` -> ``true_false_question``;
* ``short_answer`` (100 % answers), ``flashcard`` (the back) and one-gap ``cloze`` ->
  ``short_answer_question`` (Canvas's "fill in the blank"); a cloze with several gaps ->
  ``fill_in_multiple_blanks_question`` with ``[blank1]`` markers;
* ``numerical`` -> ``numerical_question`` (value ± tolerance or range), ``matching`` ->
  ``matching_question`` (distractors become extra answers), ``essay`` -> ``essay_question``,
  ``description`` -> ``text_only_question``.

Per-choice and general feedback are written as ``itemfeedback``. Identifiers derive from the
title and item position, so the same set exports to the same file. This format is export-only:
:func:`parse` raises ``BankError``.
"""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .model import BLANK, BankError, BankItem, ParseResult, format_number

NAME = "qti"
EXTENSIONS = (".zip",)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def parse(data: bytes | str) -> ParseResult:
    """QTI is export-only in quizapp."""
    raise BankError(
        "QTI is export only: quizapp writes Canvas QTI packages but does not import "
        "them; export the quiz from your LMS as Moodle XML or GIFT instead"
    )


def _ident(*parts: object) -> str:
    return "g" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def _html(text: str, fmt: str) -> str:
    """Item text as the HTML Canvas shows."""
    if fmt == "html":
        return text
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def _mattext(text: str, fmt: str = "html") -> str:
    kind = "text/html" if fmt == "html" else "text/plain"
    return f"<material><mattext texttype={quoteattr(kind)}>{escape(text)}</mattext></material>"


def _meta(qtype: str, points: float, answer_ids: list[str]) -> str:
    fields = [
        ("question_type", qtype),
        ("points_possible", format_number(points)),
        ("original_answer_ids", ",".join(answer_ids)),
    ]
    return (
        "<itemmetadata><qtimetadata>"
        + "".join(
            f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{escape(v)}</fieldentry>"
            "</qtimetadatafield>"
            for k, v in fields
        )
        + "</qtimetadata></itemmetadata>"
    )


_OUTCOMES = (
    '<outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
)


def _set_score(value: float, action: str = "Set") -> str:
    return f'<setvar action="{action}" varname="SCORE">{value:.2f}</setvar>'


def _feedback_xml(feedback: dict[str, str], fmt: str) -> str:
    return "".join(
        f'<itemfeedback ident="{k}"><flow_mat>{_mattext(_html(v, fmt))}</flow_mat></itemfeedback>'
        for k, v in feedback.items()
    )


class _ItemWriter:
    """Builds one ``<item>``; each type method fills presentation and processing."""

    def __init__(self, item: BankItem, ident: str):
        self.item, self.ident = item, ident
        self.fmt = item.prompt_format
        # Choices go as plain text unless the item is HTML (Canvas shows text/plain verbatim).
        self.answer_fmt = "html" if self.fmt == "html" else "plain"
        self.prompt = item.prompt
        self.responses: list[str] = []
        self.conditions: list[str] = []
        self.feedback: dict[str, str] = {}
        self.answer_ids: list[str] = []

    def choice_id(self, index: int) -> str:
        answer_id = str(1000 + index)
        self.answer_ids.append(answer_id)
        return answer_id

    def render(self) -> str:
        qtype = getattr(self, "_" + self.item.type)()
        general = ""
        if self.item.general_feedback:
            self.feedback["general_fb"] = self.item.general_feedback
            general = (
                '<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
                '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/>'
                "</respcondition>"
            )
        processing = ""
        if qtype != "text_only_question":
            processing = (
                "<resprocessing>"
                + _OUTCOMES
                + general
                + "".join(self.conditions)
                + "</resprocessing>"
            )
        title = self.item.title or "Question"
        return (
            f"<item ident={quoteattr(self.ident)} title={quoteattr(title)}>"
            + _meta(qtype, self.item.points, self.answer_ids)
            + "<presentation>"
            + _mattext(_html(self.prompt, self.fmt))
            + "".join(self.responses)
            + "</presentation>"
            + processing
            + _feedback_xml(self.feedback, self.fmt)
            + "</item>"
        )

    def _choices(self, cardinality: str, labels: list[tuple[str, str]]) -> None:
        self.responses.append(
            f'<response_lid ident="response1" rcardinality="{cardinality}"><render_choice>'
            + "".join(
                f'<response_label ident="{i}">{_mattext(t, self.answer_fmt)}</response_label>'
                for i, t in labels
            )
            + "</render_choice></response_lid>"
        )

    def _mcq(self) -> str:
        labels = []
        for index, choice in enumerate(self.item.choices):
            answer_id = self.choice_id(index)
            labels.append((answer_id, choice.text))
            display = ""
            if choice.feedback:
                self.feedback[f"{answer_id}_fb"] = choice.feedback
                display = f'<displayfeedback feedbacktype="Response" linkrefid="{answer_id}_fb"/>'
            score = _set_score(100) if choice.fraction >= 0.999 else ""
            if score or display:
                self.conditions.append(
                    f'<respcondition continue="{"No" if score else "Yes"}"><conditionvar>'
                    f'<varequal respident="response1">{answer_id}</varequal></conditionvar>'
                    f"{score}{display}</respcondition>"
                )
        self._choices("Single", labels)
        return "multiple_choice_question"

    def _multi(self) -> str:
        labels, parts = [], []
        for index, choice in enumerate(self.item.choices):
            answer_id = self.choice_id(index)
            labels.append((answer_id, choice.text))
            test = f'<varequal respident="response1">{answer_id}</varequal>'
            parts.append(test if choice.fraction > 0 else f"<not>{test}</not>")
        self._choices("Multiple", labels)
        self.conditions.append(
            '<respcondition continue="No"><conditionvar><and>'
            + "".join(parts)
            + "</and></conditionvar>"
            + _set_score(100)
            + "</respcondition>"
        )
        return "multiple_answers_question"

    def _true_false(self) -> str:
        truth = (self.item.answers or ["True"])[0] == "True"
        labels = [(self.choice_id(0), "True"), (self.choice_id(1), "False")]
        right = labels[0][0] if truth else labels[1][0]
        self._choices("Single", labels)
        self.conditions.append(
            f'<respcondition continue="No"><conditionvar><varequal respident="response1">'
            f"{right}</varequal></conditionvar>{_set_score(100)}</respcondition>"
        )
        return "true_false_question"

    def _fib(self, answers: list[str]) -> str:
        self.responses.append(
            '<response_str ident="response1" rcardinality="Single">'
            '<render_fib><response_label ident="answer1" rshuffle="No"/>'
            "</render_fib></response_str>"
        )
        tests = "".join(f'<varequal respident="response1">{escape(a)}</varequal>' for a in answers)
        self.conditions.append(
            f'<respcondition continue="No"><conditionvar>{tests}'
            f"</conditionvar>{_set_score(100)}</respcondition>"
        )
        return "short_answer_question"

    def _short_answer(self) -> str:
        full = [c.text for c in self.item.choices if c.fraction >= 0.999]
        return self._fib(full or self.item.correct_answers())

    def _flashcard(self) -> str:
        return self._fib(self.item.answers[:1])

    def _cloze(self) -> str:
        pieces = self.prompt.split(BLANK)
        if len(pieces) <= 2:
            return self._fib(self.item.answers)
        blanks = len(pieces) - 1
        share = 100 / blanks
        for n in range(1, blanks + 1):
            answer = self.item.answers[n - 1] if n - 1 < len(self.item.answers) else ""
            answer_id = self.choice_id(n)
            self.responses.append(
                f'<response_lid ident="response_blank{n}"><material><mattext>blank{n}</mattext>'
                f'</material><render_choice><response_label ident="{answer_id}">'
                f"{_mattext(answer, 'plain')}</response_label></render_choice></response_lid>"
            )
            self.conditions.append(
                f'<respcondition><conditionvar><varequal respident="response_blank{n}">'
                f"{answer_id}</varequal></conditionvar>{_set_score(share, 'Add')}"
                "</respcondition>"
            )
        self.prompt = "".join(
            p + (f"[blank{i}]" if i <= blanks else "") for i, p in enumerate(pieces, start=1)
        )
        return "fill_in_multiple_blanks_question"

    def _numerical(self) -> str:
        self.responses.append(
            '<response_str ident="response1" rcardinality="Single">'
            '<render_fib fibtype="Decimal"><response_label ident="answer1"/>'
            "</render_fib></response_str>"
        )
        for answer in self.item.numeric:
            if answer.fraction < 0.999 or (answer.value is None and answer.low is None):
                continue
            low = answer.low if answer.low is not None else answer.value - answer.tolerance
            high = answer.high if answer.high is not None else answer.value + answer.tolerance
            exact = (
                f'<varequal respident="response1">{format_number(answer.value)}</varequal>'
                if answer.value is not None
                else ""
            )
            self.conditions.append(
                f'<respcondition continue="No"><conditionvar><or>{exact}<and>'
                f'<vargte respident="response1">{format_number(low)}</vargte>'
                f'<varlte respident="response1">{format_number(high)}</varlte></and></or>'
                f"</conditionvar>{_set_score(100)}</respcondition>"
            )
        return "numerical_question"

    def _matching(self) -> str:
        rights = list(dict.fromkeys(right for _, right in self.item.pairs))
        label_ids = {right: str(5000 + i) for i, right in enumerate(rights)}
        pairs = [(left, right) for left, right in self.item.pairs if left.strip()]
        share = 100 / max(len(pairs), 1)
        labels = "".join(
            f'<response_label ident="{label_ids[r]}">{_mattext(r, "plain")}</response_label>'
            for r in rights
        )
        for index, (left, right) in enumerate(pairs):
            answer_id = self.choice_id(index)
            self.responses.append(
                f'<response_lid ident="response_{answer_id}">{_mattext(left, "plain")}'
                f"<render_choice>{labels}</render_choice></response_lid>"
            )
            self.conditions.append(
                f'<respcondition><conditionvar><varequal respident="response_{answer_id}">'
                f"{label_ids[right]}</varequal></conditionvar>{_set_score(share, 'Add')}"
                "</respcondition>"
            )
        return "matching_question"

    def _essay(self) -> str:
        self.responses.append(
            '<response_str ident="response1" rcardinality="Single">'
            '<render_fib><response_label ident="answer1" rshuffle="No"/>'
            "</render_fib></response_str>"
        )
        self.conditions.append(
            '<respcondition continue="No"><conditionvar><other/></conditionvar></respcondition>'
        )
        return "essay_question"

    def _description(self) -> str:
        return "text_only_question"


def can_export(item: BankItem) -> bool:
    """Canvas holds every item type (flashcards as fill-in-the-blank)."""
    return True


def assessment_xml(items: list[BankItem], *, title: str, ident: str) -> str:
    """The ``questestinterop`` document for the items."""
    body = "".join(
        _ItemWriter(item, _ident(ident, index, item.prompt)).render()
        for index, item in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.imsglobal.org/xsd/ims_qtiasiv1p2 '
        'http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">'
        f"<assessment ident={quoteattr(ident)} title={quoteattr(title)}>"
        "<qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel>"
        "<fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>"
        f'<section ident="root_section">{body}</section></assessment></questestinterop>\n'
    )


def _manifest(title: str, ident: str) -> str:
    meta = _ident(ident, "meta")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="{_ident(ident, "manifest")}" '
        'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
        'xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource" '
        'xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_v1p2">'
        "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion>"
        f"<imsmd:lom><imsmd:general><imsmd:title><imsmd:string>{escape(title)}</imsmd:string>"
        "</imsmd:title></imsmd:general></imsmd:lom></metadata><organizations/><resources>"
        f'<resource identifier="{ident}" type="imsqti_xmlv1p2">'
        f'<file href="{ident}/{ident}.xml"/><dependency identifierref="{meta}"/></resource>'
        f'<resource identifier="{meta}" '
        'type="associatedcontent/imscc_xmlv1p1/learning-application-resource" '
        f'href="{ident}/assessment_meta.xml"><file href="{ident}/assessment_meta.xml"/>'
        "</resource></resources></manifest>\n"
    )


def _quiz_meta(title: str, ident: str, points: float) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<quiz identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
        f"<title>{escape(title)}</title><description></description>"
        "<shuffle_answers>false</shuffle_answers><scoring_policy>keep_highest</scoring_policy>"
        "<quiz_type>assignment</quiz_type>"
        f"<points_possible>{format_number(points)}</points_possible>"
        "<allowed_attempts>-1</allowed_attempts><show_correct_answers>true"
        "</show_correct_answers></quiz>\n"
    )


def dump(items: Iterable[BankItem | dict[str, Any]], *, title: str = "") -> bytes:
    """A Canvas-importable QTI 1.2 zip of the items."""
    cards = [raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw) for raw in items]
    title = " ".join(title.split()) or "quizapp export"
    ident = _ident("assessment", title)
    files = {
        "imsmanifest.xml": _manifest(title, ident),
        f"{ident}/{ident}.xml": assessment_xml(cards, title=title, ident=ident),
        f"{ident}/assessment_meta.xml": _quiz_meta(title, ident, sum(i.points for i in cards)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _clean(text).encode("utf-8"))
    return buffer.getvalue()


def _clean(text: str) -> str:
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or (" " <= c and c not in "\ufffe\uffff" and not "\ud800" <= c <= "\udfff")
    )
