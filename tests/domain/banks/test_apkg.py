"""Anki .apkg export: one deck, Basic and Cloze notes, ids stable across exports.

The package is checked by opening its SQLite collection directly, so the tests need no Anki.
"""

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from quizapp.domain.banks import BankError, BankItem, Choice, apkg

ITEMS = [
    BankItem(type="flashcard", prompt="le <chat>", answers=["the cat"], tags=["french words"]),
    BankItem(type="cloze", prompt="The _____ flows into the _____.", answers=["Nile", "sea"]),
    BankItem(type="cloze", prompt="A {_____} b", answers=["x::y}}"]),
    BankItem(type="mcq", prompt="Capital?", choices=[Choice("Paris", 1.0), Choice("Lyon")]),
]


def open_collection(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {"collection.anki2", "media"}
    path = tmp_path / "collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(path)


@pytest.fixture
def collection(tmp_path):
    conn = open_collection(apkg.dump(ITEMS, title="French", timestamp=1_700_000_000), tmp_path)
    yield conn
    conn.close()


def test_deck_models_and_notes(collection):
    models_json, decks_json = collection.execute("select models, decks from col").fetchone()
    decks = {d["name"] for d in json.loads(decks_json).values()}
    assert "French" in decks
    models = json.loads(models_json)
    basic_id, cloze_id = (str(m.model_id) for m in apkg.models("French"))
    assert models[basic_id]["name"] == "quizapp Basic" and models[cloze_id]["type"] == 1
    notes = collection.execute("select mid, flds, tags from notes order by id").fetchall()
    fields = [(str(mid), flds.split("\x1f"), tags.strip()) for mid, flds, tags in notes]
    assert fields[0] == (basic_id, ["le &lt;chat&gt;", "the cat"], "french_words")
    assert fields[1][:2] == (cloze_id, ["The {{c1::Nile}} flows into the {{c2::sea}}.", ""])
    assert fields[2][1][0] == "A &#123;{{c1::x:&#58;y&#125;&#125;}}&#125; b"
    assert fields[3][1] == ["Capital?<br>A) Paris<br>B) Lyon", "Paris"]
    cards = collection.execute("select count(*) from cards").fetchone()[0]
    assert cards == 5  # two deletions make two cards


def test_ids_are_derived_from_the_title():
    assert [m.model_id for m in apkg.models("A")] == [m.model_id for m in apkg.models("A")]
    assert apkg.models("A")[0].model_id != apkg.models("B")[0].model_id
    assert 1 << 30 <= apkg.stable_id("A", "deck") < 1 << 31


def test_item_dicts_are_accepted(tmp_path):
    data = apkg.dump([{"type": "flashcard", "prompt": "q", "answers": ["a"]}], title="T")
    conn = open_collection(data, tmp_path)
    assert conn.execute("select count(*) from notes").fetchone()[0] == 1
    conn.close()


def test_parse_is_refused():
    with pytest.raises(BankError, match="export only"):
        apkg.parse(b"")
