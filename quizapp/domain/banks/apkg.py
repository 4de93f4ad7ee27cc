"""Anki package (.apkg) export through genanki: one deck per study set.

Flashcards, and every other item type, become notes of a "Basic" note type (Front/Back; a
multiple-choice item lists its options on the front). Cloze items become notes of a "Cloze"
note type, each ``_____`` gap turned into ``{{c1::answer}}``, ``{{c2::...}}``. Note type and
deck ids are derived from the title, and note GUIDs from the item content, so exporting the
same set again updates the notes in Anki instead of duplicating them. Export only: quizapp
does not read .apkg files (:func:`parse` raises ``BankError``).

genanki (with PyYAML) is imported by the functions that write a package, not with this
module: every ``flask`` command loads the bank formats, and only an export needs it.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import sqlite3
import time
import warnings
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .model import BLANK, BankError, BankItem, ParseResult, front_back

if TYPE_CHECKING:
    import genanki

NAME = "apkg"
EXTENSIONS = (".apkg",)

_CSS = """.card { font-family: system-ui, sans-serif; font-size: 20px; text-align: center;
 color: black; background-color: white; }
.cloze { font-weight: bold; color: #1a5fb4; }"""


def parse(data: bytes | str) -> ParseResult:
    """Anki packages are export-only in quizapp."""
    raise BankError(
        "Anki packages (.apkg) are export only: in Anki, export the deck as "
        "'Notes in Plain Text' and import that file instead"
    )


def stable_id(title: str, salt: str) -> int:
    """A deterministic Anki id in genanki's recommended range [2**30, 2**31)."""
    digest = hashlib.sha256(f"quizapp:{salt}:{title}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def models(title: str) -> tuple[genanki.Model, genanki.Model]:
    """The Basic and Cloze note types for a deck title."""
    import genanki

    basic = genanki.Model(
        stable_id(title, "basic"),
        "quizapp Basic",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[
            {"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}
        ],
        css=_CSS,
    )
    cloze = genanki.Model(
        stable_id(title, "cloze"),
        "quizapp Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}],
        templates=[
            {"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}
        ],
        css=_CSS,
        model_type=genanki.Model.CLOZE,
    )
    return basic, cloze


def _field(text: str, fmt: str = "plain") -> str:
    if fmt == "html":
        return text
    return html.escape(text).replace("\n", "<br>")


def _braces(text: str) -> str:
    # Literal braces would read as cloze markup ('}}' ends a deletion): use HTML entities.
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _cloze_answer(text: str) -> str:
    # '::' inside a deletion would start a hint.
    return _braces(html.escape(text)).replace("::", ":&#58;")


def cloze_text(item: BankItem) -> str:
    """The prompt with each gap as a cloze deletion ({{c1::answer}})."""
    pieces = [_braces(_field(p, item.prompt_format)) for p in item.prompt.split(BLANK)]
    answers = list(item.answers) or [""]
    if len(pieces) == 1:
        pieces.append("")
    out = [pieces[0]]
    for n, piece in enumerate(pieces[1:], start=1):
        answer = answers[n - 1] if n - 1 < len(answers) else answers[-1]
        out.append(f"{{{{c{n}::{_cloze_answer(answer) or '…'}}}}}{piece}")
    return "".join(out)


def _tags(item: BankItem) -> list[str]:
    return ["_".join(t.split()) for t in item.tags if t.strip()]


def _note(item: BankItem, basic: genanki.Model, cloze: genanki.Model) -> genanki.Note:
    import genanki

    if item.type == "cloze":
        extra = " / ".join(item.answers[1:]) if item.prompt.count(BLANK) <= 1 else ""
        fields = [cloze_text(item), _field(extra)]
        return genanki.Note(
            model=cloze,
            fields=fields,
            tags=_tags(item),
            guid=genanki.guid_for("quizapp-cloze", *fields),
        )
    if item.type == "flashcard":
        fields = [_field(item.prompt, item.prompt_format), _field((item.answers or [""])[0])]
    else:
        front, back = front_back(item)
        fields = [_field(front), _field(back)]
    return genanki.Note(
        model=basic, fields=fields, tags=_tags(item), guid=genanki.guid_for("quizapp", *fields)
    )


def can_export(item: BankItem) -> bool:
    """Every item becomes a note (cloze as Cloze, the rest as Basic front/back)."""
    return True


def dump(
    items: Iterable[BankItem | dict[str, Any]], *, title: str = "", timestamp: float | None = None
) -> bytes:
    """An .apkg with one deck named after the title."""
    import genanki

    title = " ".join(title.split()) or "quizapp"
    basic, cloze = models(title)
    deck = genanki.Deck(stable_id(title, "deck"), title)
    for raw in items:
        item = raw if isinstance(raw, BankItem) else BankItem.from_item_dict(raw)
        deck.add_note(_note(item, basic, cloze))
    timestamp = time.time() if timestamp is None else timestamp
    conn = sqlite3.connect(":memory:")
    try:
        with warnings.catch_warnings():
            # genanki warns about user HTML it finds odd; the text is the author's to keep.
            warnings.filterwarnings("ignore", message="^Field contained the following invalid")
            genanki.Package(deck).write_to_db(
                conn.cursor(), timestamp, itertools.count(int(timestamp * 1000))
            )
        conn.commit()
        database = conn.serialize()
    finally:
        conn.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", database)
        archive.writestr("media", "{}")
    return buffer.getvalue()
