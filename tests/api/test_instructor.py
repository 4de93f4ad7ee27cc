"""Instructor operations over the API: items, publishing, bank import and export, gradebook."""

import base64
import io
import json

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Item, PendingImport, Response, StudySet

from .conftest import Api, attempt_items, right_answer
from support import DATA_DIR

GIFT = b"""::Capital::What is the capital of France?{=Paris ~Lyon ~Nice}

::Truth::The Earth is flat.{F}
"""
MIXED_XML = (DATA_DIR / "banks" / "mixed_unsupported.xml").read_bytes()


def _json_import(api: Api, data: bytes, filename: str, **extra):
    payload = {"filename": filename, "content_base64": base64.b64encode(data).decode(), **extra}
    return api.post("/imports", payload)


def _own_set(teacher: Api, data: bytes = GIFT, name: str = "Capitals") -> int:
    preview = _json_import(teacher, data, "capitals.gift", set_name=name)
    assert preview.status_code == 201, preview.get_json()
    done = teacher.post(f"/imports/{preview.get_json()['import_id']}/confirm")
    assert done.status_code == 200, done.get_json()
    return done.get_json()["set_id"]


def test_import_previews_then_confirms_all_or_nothing(app, teacher):
    preview = _json_import(teacher, GIFT, "capitals.gift", set_name="Capitals")
    assert preview.status_code == 201
    body = preview.get_json()
    assert body["format"] == "gift" and body["set_name"] == "Capitals"
    assert [(i["type"], i["title"]) for i in body["items"]] == [
        ("mcq", "Capital"),
        ("true_false", "Truth"),
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    done = teacher.post(f"/imports/{body['import_id']}/confirm", {"accept_unsupported": False})
    assert done.status_code == 200 and done.get_json()["count"] == 2
    with app.app_context():
        study_set = db.session.get(StudySet, done.get_json()["set_id"])
        assert study_set.title == "Capitals" and study_set.owner_id is not None
        assert [i.type for i in study_set.items] == ["mcq", "true_false"]
        assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0
    assert teacher.post(f"/imports/{body['import_id']}/confirm").status_code == 404


def test_import_takes_a_multipart_upload(teacher):
    response = teacher.client.post(
        "/api/v1/imports",
        headers=teacher.headers(),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(GIFT), "caps.gift"), "format": "gift", "set_name": "Caps"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["filename"] == "caps.gift"


def test_malformed_banks_are_422_with_problems_by_line(app, teacher):
    bad = b"::Ok::Fine {=a ~b}\n\n::Broken::Never closes {=a ~b\n\n::Ok2::Also {T}\n"
    response = _json_import(teacher, bad, "broken.gift")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "import_rejected" and error["field"] == "file"
    assert error["problems"][0]["line"] == 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PendingImport.id))) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"filename": "x.gift"}, "content_base64"),
        ({"content_base64": "AAAA"}, "filename"),
        ({"filename": "x.gift", "content_base64": "not base64!"}, "content_base64"),
        ({"filename": "x.gift", "content_base64": "AAAA", "format": "docx"}, "format"),
    ],
)
def test_import_fields_are_checked(teacher, payload, field):
    response = teacher.post("/imports", payload)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_unsupported_questions_need_consent(app, teacher):
    preview = _json_import(teacher, MIXED_XML, "mixed.xml").get_json()
    assert preview["unsupported"][0]["title"] == "Map"
    refused = teacher.post(f"/imports/{preview['import_id']}/confirm")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "unsupported_questions"
    done = teacher.post(f"/imports/{preview['import_id']}/confirm", {"accept_unsupported": True})
    assert done.status_code == 200 and done.get_json()["count"] == 1


def test_imports_belong_to_their_instructor(teacher, other_teacher, learner):
    preview = _json_import(teacher, GIFT, "capitals.gift").get_json()
    assert other_teacher.post(f"/imports/{preview['import_id']}/confirm").status_code == 404
    assert learner.post(f"/imports/{preview['import_id']}/confirm").status_code == 403
    assert _json_import(learner, GIFT, "capitals.gift").status_code == 403


def test_items_are_created_updated_and_dropped(app, teacher):
    set_id = _own_set(teacher)
    created = teacher.post(
        f"/sets/{set_id}/items",
        {"type": "mcq", "prompt": "2 + 2?", "choices": ["3", "4"], "answers": ["4"],
         "explanation": "Arithmetic.", "points": 2},
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["status"] == "approved" and item["answers"] == ["4"] and item["points"] == 2
    changed = teacher.patch(f"/sets/{set_id}/items/{item['id']}", {"prompt": "Two plus two?"})
    assert changed.status_code == 200
    assert changed.get_json()["prompt"] == "Two plus two?"
    assert changed.get_json()["choices"] == ["3", "4"]
    listed = teacher.get(f"/sets/{set_id}/items").get_json()
    assert item["id"] in [i["id"] for i in listed["items"]] and listed["status"] == "draft"
    assert teacher.delete(f"/sets/{set_id}/items/{item['id']}").status_code == 204
    with app.app_context():
        assert db.session.get(Item, item["id"]).status == "dropped"
    restored = teacher.patch(f"/sets/{set_id}/items/{item['id']}", {"status": "approved"})
    assert restored.get_json()["status"] == "approved"


def test_every_item_type_can_be_authored(teacher):
    set_id = _own_set(teacher)
    examples = [
        {"type": "flashcard", "prompt": "Front", "back": "Back"},
        {"type": "true_false", "prompt": "Sky is blue.", "answers": ["True"]},
        {"type": "multi", "prompt": "Primes?", "choices": ["2", "3", "4"], "answers": ["2", "3"]},
        {"type": "short_answer", "prompt": "Capital of Italy?", "answers": ["Rome"]},
        {"type": "numerical", "prompt": "Pi?", "numeric": [{"value": 3.14, "tolerance": 0.01}]},
        {"type": "matching", "prompt": "Match", "pairs": [["a", "1"], ["b", "2"]]},
        {"type": "cloze", "prompt": "Paris is in _____.", "answers": ["France"]},
        {"type": "essay", "prompt": "Discuss."},
        {"type": "description", "prompt": "Read this first."},
    ]
    for example in examples:
        response = teacher.post(f"/sets/{set_id}/items", example)
        assert response.status_code == 201, (example, response.get_json())
    numerical = teacher.get(f"/sets/{set_id}/items").get_json()["items"][6]
    assert numerical["type"] == "numerical"
    # Changing another field keeps the stored numeric answers valid.
    edited = teacher.patch(f"/sets/{set_id}/items/{numerical['id']}", {"prompt": "π?"})
    assert edited.status_code == 200, edited.get_json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "mcq", "prompt": "Q?", "choices": ["a", "b"], "answers": ["c"]}, "answers"),
        ({"type": "mcq", "prompt": "Q?", "choices": ["a"], "answers": ["a"]}, "choices"),
        ({"type": "cloze", "prompt": "No gap", "answers": ["x"]}, "prompt"),
        ({"type": "matching", "prompt": "M", "pairs": [["a", "1"]]}, "pairs"),
        ({"type": "numerical", "prompt": "N"}, "numeric"),
        ({"type": "poem", "prompt": "P"}, "type"),
        ({"type": "mcq"}, "prompt"),
        ({"type": "mcq", "prompt": "   "}, "prompt"),
        ({"type": "mcq", "prompt": "Q", "choices": "a,b"}, "choices"),
        ({"type": "matching", "prompt": "M", "pairs": [["a"]]}, "pairs"),
        ({"type": "mcq", "prompt": "Q", "weights": {"a": 2}}, "weights"),
        ({"type": "mcq", "prompt": "Q", "feedback": {"a": 1}}, "feedback"),
        ({"type": "numerical", "prompt": "N", "numeric": [{"tolerance": 1}]}, "numeric"),
        ({"type": "mcq", "prompt": "Q", "points": -1}, "points"),
    ],
)
def test_invalid_items_are_422_naming_the_field(app, teacher, payload, field):
    set_id = _own_set(teacher)
    response = teacher.post(f"/sets/{set_id}/items", payload)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 2


def test_invalid_edits_change_nothing(app, teacher):
    set_id = _own_set(teacher)
    item_id = teacher.get(f"/sets/{set_id}/items").get_json()["items"][0]["id"]
    response = teacher.patch(f"/sets/{set_id}/items/{item_id}", {"answers": ["Berlin"]})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "answers"
    assert response.get_json()["error"]["problems"][0]["field"] == "answers"
    with app.app_context():
        assert db.session.get(Item, item_id).answers == ["Paris"]


def test_learners_are_403_and_other_instructors_404(teacher, other_teacher, learner):
    set_id = _own_set(teacher)
    item_id = teacher.get(f"/sets/{set_id}/items").get_json()["items"][0]["id"]
    calls = [
        ("get", f"/sets/{set_id}/items", None),
        ("post", f"/sets/{set_id}/items", {"type": "flashcard", "prompt": "F", "back": "B"}),
        ("patch", f"/sets/{set_id}/items/{item_id}", {"prompt": "x"}),
        ("delete", f"/sets/{set_id}/items/{item_id}", None),
        ("post", f"/sets/{set_id}/publish", None),
        ("get", f"/sets/{set_id}/export?format=gift", None),
        ("get", f"/sets/{set_id}/gradebook", None),
    ]
    for method, path, payload in calls:
        args = (path, payload) if payload is not None else (path,)
        assert getattr(learner, method)(*args).status_code == 403, path
        assert getattr(other_teacher, method)(*args).status_code == 404, path
    assert teacher.get(f"/sets/{set_id}/items/").status_code == 404  # unknown route
    other_item = other_teacher.patch(f"/sets/{set_id}/items/999999", {"prompt": "x"})
    assert other_item.status_code == 404


def test_an_item_of_another_set_is_404(app, teacher):
    first, second = _own_set(teacher, name="One"), _own_set(teacher, name="Two")
    item_id = teacher.get(f"/sets/{first}/items").get_json()["items"][0]["id"]
    assert teacher.patch(f"/sets/{second}/items/{item_id}", {"prompt": "x"}).status_code == 404


def test_publishing_makes_the_set_visible_to_learners(teacher, learner):
    set_id = _own_set(teacher)
    assert learner.get(f"/sets/{set_id}").status_code == 404
    published = teacher.post(f"/sets/{set_id}/publish")
    assert published.get_json() == {"set_id": set_id, "status": "published", "published_items": 2}
    assert learner.get(f"/sets/{set_id}").get_json()["item_count"] == 2


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml", "qti", "csv", "json", "apkg", "aiken"])
def test_export_downloads_the_set(teacher, fmt):
    set_id = _own_set(teacher)
    response = teacher.get(f"/sets/{set_id}/export?format={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="capitals')
    assert response.headers["Content-Type"].count("charset") <= 1
    assert response.data


def test_export_defaults_to_gift_and_checks_the_format(teacher):
    set_id = _own_set(teacher)
    gift = teacher.get(f"/sets/{set_id}/export")
    assert b"::Capital::" in gift.data
    for bad_format in ("docx", ""):
        bad = teacher.get(f"/sets/{set_id}/export?format={bad_format}")
        assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "format"


def test_gradebook_lists_best_scores_attempts_and_last_activity(app, teacher, learner):
    set_id = _own_set(teacher)
    teacher.post(f"/sets/{set_id}/publish")
    for right in (False, True):
        attempt = learner.post(f"/sets/{set_id}/attempts", {"mode": "practice"}).get_json()
        for n, item in enumerate(attempt_items(app, attempt["attempt_id"])):
            answer = right_answer(item) if right else "nothing like it"
            key = f"{attempt['attempt_id']}-{n}"
            learner.post(
                f"/attempts/{attempt['attempt_id']}/responses",
                {"item_id": item.id, "answer": answer},
                key=key,
            )
        learner.post(f"/attempts/{attempt['attempt_id']}/finish")
    open_attempt = learner.post(f"/sets/{set_id}/attempts", {}).get_json()
    book = teacher.get(f"/sets/{set_id}/gradebook")
    assert book.status_code == 200
    (row,) = book.get_json()["learners"]
    assert row["username"] == "learner"
    assert (row["attempts"], row["finished_attempts"]) == (3, 2)
    assert (row["best_score"], row["max_score"], row["best_percent"]) == (2.0, 2.0, 100.0)
    assert row["last_activity"].endswith("Z")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 4
    assert open_attempt["attempt_id"]


def test_admins_may_edit_any_set(app, seeded):
    from .conftest import issue, make_user

    make_user(app, "root", role="admin")
    admin = Api(app.test_client(), issue(app, "root"))
    assert admin.get(f"/sets/{seeded}/gradebook").status_code == 200
    assert admin.get(f"/sets/{seeded}/items").status_code == 200


def test_bodies_must_be_json_objects(teacher):
    set_id = _own_set(teacher)
    as_list = teacher.client.post(
        f"/api/v1/sets/{set_id}/items", data=json.dumps([1]), headers=teacher.headers(),
        content_type="application/json",
    )  # fmt: skip
    assert as_list.status_code == 422 and as_list.get_json()["error"]["code"] == "invalid_body"
    as_form = teacher.client.post(
        f"/api/v1/sets/{set_id}/items", data={"type": "mcq"}, headers=teacher.headers()
    )
    assert as_form.status_code == 415
