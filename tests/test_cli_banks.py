"""import-bank and export-bank: previews, all-or-nothing imports, round trips, Anki and QTI."""

import json
import os
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from defusedxml import ElementTree

from quizapp.extensions import db
from quizapp.models import Item, StudySet

from support import DATA_DIR, REPO_ROOT

CONFORMANCE = Path(
    os.environ.get("QUIZAPP_CONFORMANCE_DIR", REPO_ROOT.parent / "shared" / "conformance")
)
GOOD_GIFT = """// two questions
::Capital::What is the capital of France?{=Paris ~Lyon ~Nice}

::Truth::The Earth is flat.{F}
"""
BAD_GIFT = """::Fine::A fine question {=yes ~no}

::Broken::This one never closes {=a ~b

::Also fine::Another {T}
"""


def _items(app, title):
    with app.app_context():
        study_set = db.session.scalar(sa.select(StudySet).where(StudySet.title == title))
        if study_set is None:
            return None
        return [
            (i.type, i.prompt, sorted(i.answers), sorted(map(tuple, i.pairs)))
            for i in study_set.items
            if i.status != "dropped"
        ]


def _count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Item.id)))


def test_dry_run_json_previews_and_writes_nothing(app, runner, tmp_path):
    bank = tmp_path / "quiz.gift"
    bank.write_text(GOOD_GIFT)
    result = runner.invoke(args=["import-bank", str(bank), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    preview = json.loads(result.output)
    assert preview["format"] == "gift"
    assert preview["items"] == [
        {"type": "mcq", "title": "Capital", "line": 2},
        {"type": "true_false", "title": "Truth", "line": 4},
    ]
    assert preview["problems"] == []
    assert _count(app) == 0


def test_malformed_bank_names_the_line_and_imports_nothing(app, runner, tmp_path):
    bank = tmp_path / "bad.gift"
    bank.write_text(BAD_GIFT)
    preview = json.loads(
        runner.invoke(args=["import-bank", str(bank), "--dry-run", "--json"]).output
    )
    assert [p["line"] for p in preview["problems"]] == [3]
    result = runner.invoke(args=["import-bank", str(bank), "--set", "Bad"])
    assert result.exit_code == 1
    assert f"{bank}:3:" in result.output and "nothing was imported" in result.output
    assert _count(app) == 0 and _items(app, "Bad") is None


def test_unsupported_types_need_confirmation(app, runner):
    bank = CONFORMANCE / "moodle-xml" / "moodle" / "qtype_ddmarker-testquestion.moodle.xml"
    if not bank.exists():
        pytest.skip("conformance files not found")
    refused = runner.invoke(args=["import-bank", str(bank), "--set", "Markers"])
    assert refused.exit_code == 1 and ":12:" in refused.output and "ddmarker" in refused.output
    assert _count(app) == 0


def test_unsupported_are_skipped_when_confirmed(app, runner, tmp_path):
    bank = DATA_DIR / "banks" / "mixed_unsupported.xml"
    preview = json.loads(
        runner.invoke(args=["import-bank", str(bank), "--dry-run", "--json"]).output
    )
    assert [i["title"] for i in preview["items"]] == ["Sky"]
    assert [(p["line"], p.get("title")) for p in preview["unsupported"]] == [(9, "Map")]
    assert runner.invoke(args=["import-bank", str(bank), "--set", "Mixed"]).exit_code == 1
    assert _items(app, "Mixed") is None
    done = runner.invoke(args=["import-bank", str(bank), "--set", "Mixed", "--yes"])
    assert done.exit_code == 0, done.output
    assert [t for t, *_ in _items(app, "Mixed")] == ["true_false"]


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml", "json"])
def test_seed_set_round_trips_through_export_and_import(app, runner, seeded, tmp_path, fmt):
    out = tmp_path / f"seed.{fmt}"
    exported = runner.invoke(args=["export-bank", str(seeded), "--format", fmt, "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(args=["import-bank", str(out), "--format", fmt, "--set", "Again"])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        title = db.session.get(StudySet, seeded).title
    original, again = _items(app, title), _items(app, "Again")
    # Documented lossy mappings: GIFT and Moodle XML have no flashcards (they come back as
    # short answers) and GIFT writes a one-gap cloze as a missing-word short answer.
    lossy = {
        "json": {},
        "moodle_xml": {"flashcard": "short_answer"},
        "gift": {"flashcard": "short_answer", "cloze": "short_answer"},
    }[fmt]
    original = [(lossy.get(t, t), *rest) for t, *rest in original]
    assert again == original


def test_export_by_title_and_unknown_set(app, runner, seeded, tmp_path):
    with app.app_context():
        title = db.session.get(StudySet, seeded).title
    ok = runner.invoke(args=["export-bank", title, "--format", "gift", "-o", "-"])
    assert ok.exit_code == 0 and title in ok.output and "{" in ok.output
    missing = runner.invoke(args=["export-bank", "No such set", "--format", "gift", "-o", "-"])
    assert missing.exit_code == 1 and "no study set" in missing.output


def test_apkg_opens_in_anki_with_every_note(app, runner, seeded, tmp_path):
    anki_collection = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageRequest

    out = tmp_path / "seed.apkg"
    assert (
        runner.invoke(
            args=["export-bank", str(seeded), "--format", "apkg", "-o", str(out)]
        ).exit_code
        == 0
    )
    collection = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(out)))
        with app.app_context():
            items = db.session.get(StudySet, seeded).items
            expected = len([i for i in items if i.status != "dropped"])
            clozes = len([i for i in items if i.type == "cloze"])
        assert collection.note_count() == expected
        assert len(collection.find_notes('"note:quizapp Cloze"')) == clozes
    finally:
        collection.close()


def test_qti_export_is_a_valid_package(app, runner, seeded, tmp_path):
    out = tmp_path / "seed.zip"
    assert (
        runner.invoke(
            args=["export-bank", str(seeded), "--format", "qti", "-o", str(out)]
        ).exit_code
        == 0
    )
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        manifest = ElementTree.fromstring(package.read("imsmanifest.xml"))
        hrefs = [el.get("href") for el in manifest.iter() if el.get("href")]
        assert hrefs and all(href in names for href in hrefs)
        assessment = next(n for n in names if n != "imsmanifest.xml" and n.endswith(".xml"))
        root = ElementTree.fromstring(package.read(assessment))
        assert root.tag.endswith("questestinterop")
        assert len([el for el in root.iter() if el.tag.endswith("item")]) > 0


def test_ten_thousand_question_gift_imports_through_the_cli(app, runner, tmp_path):
    import sys

    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from bench_gift_import import make_gift

    bank = tmp_path / "big.gift"
    bank.write_bytes(make_gift(10_000))
    result = runner.invoke(args=["import-bank", str(bank), "--set", "Big", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Imported 10000 items" in result.output
    assert _count(app) == 10_000


def test_setup_loads_bundled_banks_idempotently(tmp_path):
    from quizapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.sqlite'}",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    runner = app.test_cli_runner()
    banks_dir = tmp_path / "banks"
    banks_dir.mkdir()
    (banks_dir / "capitals.gift").write_text(GOOD_GIFT)
    for _ in range(2):
        result = runner.invoke(args=["setup", "--banks", str(banks_dir)])
        assert result.exit_code == 0, result.output
    assert "ok       capitals.gift" in result.output
    assert len(_items(app, "capitals")) == 2
    (banks_dir / "capitals.gift").write_text(GOOD_GIFT + "\n::Third::Water is wet.{T}\n")
    assert (
        "updated  capitals.gift" in runner.invoke(args=["setup", "--banks", str(banks_dir)]).output
    )
    assert len(_items(app, "capitals")) == 3
    with app.app_context():
        db.engine.dispose()


def test_import_warns_on_stderr_when_nothing_can_be_answered(app, runner, tmp_path):
    notes = tmp_path / "notes.gift"
    notes.write_text("Reading notes\n\nThe summit ended without an agreement.\n")
    dry = runner.invoke(args=["import-bank", str(notes), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    [warning] = json.loads(dry.stdout)["warnings"]
    assert warning["line"] == 1 and "nothing in this file can be answered" in warning["message"]
    done = runner.invoke(args=["import-bank", str(notes), "--set", "Notes"])
    assert done.exit_code == 0, done.output
    assert f"{notes}:1: warning: nothing in this file can be answered" in done.stderr
    assert "Imported 2 items" in done.stdout  # a warning, not a refusal
    quiet = tmp_path / "quiz.gift"
    quiet.write_text(GOOD_GIFT)
    assert "warning" not in runner.invoke(args=["import-bank", str(quiet)]).stderr
