"""Instructors in the browser: bank upload with preview and confirm, export, item authoring."""

import io
import json
import re

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Item, PendingImport, StudySet

from support import DATA_DIR

GIFT = b"""::Capital::What is the capital of France?{=Paris ~Lyon ~Nice}

::Truth::The Earth is flat.{F}
"""
MIXED_XML = (DATA_DIR / "banks" / "mixed_unsupported.xml").read_bytes()


@pytest.fixture
def teacher(auth):
    auth.create("teacher", "teach-pass-1", role="instructor")
    auth.login("teacher", "teach-pass-1")


def _upload(client, data, name, **extra):
    return client.post(
        "/teach/banks/import",
        content_type="multipart/form-data",
        data={"upload": (io.BytesIO(data), name), "format": "", **extra},
    )


def _pending_id(response):
    return int(re.search(r"/banks/import/(\d+)", response.headers["Location"]).group(1))


def test_upload_previews_then_imports_on_confirmation(client, app, teacher):
    preview = _upload(client, GIFT, "capitals.gift", set_name="Capitals")
    page = client.get(preview.headers["Location"]).get_data(as_text=True)
    assert "2 questions" in page and "Capital" in page and "True / false" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    done = client.post(f"/teach/banks/import/{_pending_id(preview)}", data={})
    assert done.status_code in (302, 303)
    with app.app_context():
        study_set = db.session.scalar(sa.select(StudySet).where(StudySet.title == "Capitals"))
        assert [i.type for i in study_set.items] == ["mcq", "true_false"]
        assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0


def test_malformed_upload_lists_problems_by_line_and_saves_nothing(client, app, teacher):
    bad = b"::Ok::Fine {=a ~b}\n\n::Broken::Never closes {=a ~b\n\n::Ok2::Also {T}\n"
    response = _upload(client, bad, "broken.gift")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "broken.gift" in page and "Line 3" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0


def test_unsupported_questions_need_the_instructor_to_confirm(client, app, teacher):
    preview = _upload(client, MIXED_XML, "mixed.xml")
    pending = _pending_id(preview)
    page = client.get(f"/teach/banks/import/{pending}").get_data(as_text=True)
    assert "Line 9" in page and "Map" in page
    refused = client.post(f"/teach/banks/import/{pending}", data={})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    client.post(f"/teach/banks/import/{pending}", data={"accept_unsupported": "y"})
    with app.app_context():
        assert [i.type for i in db.session.scalars(sa.select(Item))] == ["true_false"]


def test_another_instructor_cannot_confirm_my_upload(client, app, teacher, auth):
    pending = _pending_id(_upload(client, GIFT, "capitals.gift"))
    client.post("/auth/logout")
    auth.create("rival", "teach-pass-2", role="instructor")
    auth.login("rival", "teach-pass-2")
    assert client.get(f"/teach/banks/import/{pending}").status_code == 404
    assert client.post(f"/teach/banks/import/{pending}", data={}).status_code == 404


def test_oversized_bank_is_refused_before_reading(app, client, teacher):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = _upload(client, b"::Q::x{T}\n" * 10_000, "huge.gift")
    assert response.status_code == 413


def test_export_downloads_each_format(client, app, teacher):
    _upload_and_confirm = client.post(
        f"/teach/banks/import/{_pending_id(_upload(client, GIFT, 'c.gift', set_name='C'))}",
        data={},
    )
    set_id = int(re.search(r"/teach/sets/(\d+)", _upload_and_confirm.headers["Location"])[1])
    exported = client.get(f"/teach/sets/{set_id}/export/json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.get_data())
    assert [i["type"] for i in data["items"]] == ["mcq", "true_false"]
    for fmt in ("gift", "moodle_xml", "qti", "csv", "apkg", "aiken"):
        assert client.get(f"/teach/sets/{set_id}/export/{fmt}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "answer", "expected_type"),
    [
        ({"type": "mcq", "choices": "Paris\nLyon", "answers": "Paris"}, "Paris", "mcq"),
        ({"type": "multi", "choices": "2\n3\n4", "answers": "2\n3"}, ["2", "3"], "multi"),
        ({"type": "true_false", "answers": "False"}, "False", "true_false"),
        ({"type": "short_answer", "answers": "Grant\nUlysses Grant"}, "grant", "short_answer"),
        ({"type": "numerical", "numeric": "3.14 ± 0.01"}, "3.145", "numerical"),
        ({"type": "matching", "pairs": "a => 1\nb => 2"}, [["a", "1"], ["b", "2"]], "matching"),
        ({"type": "cloze", "prompt": "The _____ is long.", "answers": "Nile"}, "nile", "cloze"),
        ({"type": "flashcard", "back": "Back side"}, None, "flashcard"),
    ],
)
def test_author_items_of_every_type(client, app, teacher, fields, answer, expected_type):
    created = client.post("/teach/sets/new-empty", data={"title": "Authored"})
    set_id = int(re.search(r"/teach/sets/(\d+)", created.headers["Location"])[1])
    data = {"prompt": "A question?", "points": "2", **fields}
    saved = client.post(f"/teach/sets/{set_id}/items/new", data=data)
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[-1500:]
    from quizapp.domain.grading import grade

    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.set_id == set_id))
        assert item.type == expected_type and item.points == 2
        if answer is not None:
            assert grade(item, answer).correct


def test_authoring_errors_name_the_field(client, teacher):
    created = client.post("/teach/sets/new-empty", data={"title": "Authored"})
    set_id = int(re.search(r"/teach/sets/(\d+)", created.headers["Location"])[1])
    bad = client.post(
        f"/teach/sets/{set_id}/items/new",
        data={"type": "numerical", "prompt": "How much?", "numeric": "about three"},
    )
    assert bad.status_code == 400 and "line 1" in bad.get_data(as_text=True)
    dup = client.post(
        f"/teach/sets/{set_id}/items/new",
        data={"type": "mcq", "prompt": "Pick", "choices": "a\nA", "answers": "a"},
    )
    assert dup.status_code == 400 and "two choices are the same" in dup.get_data(as_text=True)


def test_uploads_are_rate_limited_per_user(tmp_path):
    from quizapp import create_app
    from quizapp.services.accounts import create_user

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'u.sqlite'}",
            "RATELIMIT_ENABLED": True,
            "UPLOAD_RATE_LIMIT": "2 per hour",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        db.create_all()
        create_user("t", "teach-pass-1", role="instructor")
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": "t", "password": "teach-pass-1"})
    codes = [
        client.post(
            "/teach/banks/import",
            content_type="multipart/form-data",
            data={"upload": (io.BytesIO(b"not a bank"), "x.gift"), "format": ""},
        ).status_code
        for _ in range(3)
    ]
    assert 429 not in codes[:2] and codes[2] == 429
    with app.app_context():
        db.engine.dispose()


def test_preview_warns_when_nothing_in_the_upload_can_be_answered(client, app, teacher):
    notes = b"Reading notes\n\nThe summit ended without an agreement.\n"
    preview = _upload(client, notes, "notes.gift")
    page = client.get(preview.headers["Location"]).get_data(as_text=True)
    assert "Check before importing" in page
    assert "nothing in this file can be answered" in page
    good = client.get(_upload(client, GIFT, "capitals.gift").headers["Location"])
    assert "Check before importing" not in good.get_data(as_text=True)
