"""Instructors build a set from an article, review the drafts and publish."""

import io
import re

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Item, StudySet

from support import DATA_DIR, SEED_ARTICLE


def _login_instructor(auth, name="teacher"):
    auth.create(name, "teach-pass-1", role="instructor")
    auth.login(name, "teach-pass-1")


def _upload_seed(client):
    data = {"upload": (io.BytesIO(SEED_ARTICLE.read_bytes()), "alaska.txt"), "seed": "3"}
    response = client.post("/teach/sets/new", data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:800]
    return int(re.search(r"/teach/sets/(\d+)", response.headers["Location"]).group(1))


def test_learners_and_guests_cannot_reach_teacher_pages(client, auth):
    assert client.get("/teach/sets/new").headers["Location"].startswith("/auth/login")
    auth.create("student")
    auth.login("student")
    assert client.get("/teach/sets/new").status_code == 403


def test_upload_builds_drafts_that_learners_cannot_see(client, app, auth):
    _login_instructor(auth)
    set_id = _upload_seed(client)
    review = client.get(f"/teach/sets/{set_id}").get_data(as_text=True)
    assert "Approve all drafts" in review and "Source sentence" in review
    with app.app_context():
        study_set = db.session.get(StudySet, set_id)
        assert not study_set.is_published
        assert {item.status for item in study_set.items} == {"draft"}
    client.post("/auth/logout")
    assert client.get(f"/sets/{set_id}").status_code == 404
    assert "Alaska" not in client.get("/").get_data(as_text=True)


def test_paste_markdown_article(client, app, auth):
    _login_instructor(auth)
    text = (DATA_DIR / "articles").glob("*.md")
    markdown = next(text).read_text()
    response = client.post("/teach/sets/new", data={"text": markdown, "seed": "0"})
    assert response.status_code in (302, 303)


def test_approve_drop_edit_and_publish(client, app, auth):
    _login_instructor(auth)
    set_id = _upload_seed(client)
    with app.app_context():
        items = list(
            db.session.scalars(sa.select(Item).where(Item.set_id == set_id).order_by(Item.position))
        )
        first, second = items[0].id, items[1].id
        mcq = next(i for i in items[2:] if i.type == "mcq")
        mcq_id, mcq_choices, mcq_answer = mcq.id, list(mcq.choices), mcq.answers[0]
    client.post(f"/teach/sets/{set_id}/items/{first}/approve")
    client.post(f"/teach/sets/{set_id}/items/{second}/drop")
    # an edit that puts the answer outside the choices is refused, field by field
    bad = client.post(
        f"/teach/sets/{set_id}/items/{mcq_id}/edit",
        data={
            "type": "mcq",
            "prompt": "Edited?",
            "choices": "\n".join(mcq_choices),
            "answers": "Not a choice",
        },
    )
    assert bad.status_code == 400 and "not among the choices" in bad.get_data(as_text=True)
    good = client.post(
        f"/teach/sets/{set_id}/items/{mcq_id}/edit",
        data={
            "type": "mcq",
            "prompt": "Edited prompt?",
            "choices": "\n".join(mcq_choices),
            "answers": mcq_answer,
        },
    )
    assert good.status_code in (302, 303)
    client.post(f"/teach/sets/{set_id}/items/{mcq_id}/approve")
    client.post(f"/teach/sets/{set_id}/publish")
    with app.app_context():
        statuses = dict(
            db.session.execute(sa.select(Item.id, Item.status).where(Item.set_id == set_id)).all()
        )
        assert statuses[first] == "published" and statuses[second] == "dropped"
        assert statuses[mcq_id] == "published"
        assert db.session.get(Item, mcq_id).prompt == "Edited prompt?"
        published = [i for i, s in statuses.items() if s == "published"]
    client.post("/auth/logout")
    page = client.get(f"/sets/{set_id}").get_data(as_text=True)
    assert "Start quiz" in page
    assert len(published) == 2


def test_other_instructor_cannot_touch_my_set(client, app, auth):
    _login_instructor(auth, "owner")
    set_id = _upload_seed(client)
    client.post("/auth/logout")
    _login_instructor(auth, "rival")
    assert client.get(f"/teach/sets/{set_id}").status_code == 404
    assert client.post(f"/teach/sets/{set_id}/publish").status_code == 404
    with app.app_context():
        assert not db.session.get(StudySet, set_id).is_published


def test_bad_upload_gets_a_clear_error(client, auth):
    _login_instructor(auth)
    empty = client.post(
        "/teach/sets/new",
        data={"upload": (io.BytesIO(b""), "empty.txt")},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400
    assert "empty.txt" in empty.get_data(as_text=True)
    wrong = client.post(
        "/teach/sets/new",
        data={"upload": (io.BytesIO(b"x"), "a.exe")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and ".txt" in wrong.get_data(as_text=True)


def test_oversized_upload_is_refused(app, client, auth):
    _login_instructor(auth)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = client.post(
        "/teach/sets/new",
        data={"upload": (io.BytesIO(b"a" * 20_000), "a.txt")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
