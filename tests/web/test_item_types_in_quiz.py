"""Every item type is answerable in the quiz: essays wait for grading, descriptions score
nothing, a cloze with several gaps gets one input per gap, HTML prompts render safely."""

import re

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, Item, Response
from quizapp.services import banks

BANK = b"""::Intro::[html]<p>Read this <b>first</b>.</p><script>alert(1)</script>

::Essay::Explain why the sky is blue.{}

::Capital::What is the capital of France?{=Paris ~Lyon}
"""
CLOZE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="cloze"><name><text>Rivers</text></name>
<questiontext format="html"><text>The {1:SHORTANSWER:=Nile} and the
{1:SHORTANSWER:=Amazon} are long.</text></questiontext>
</question></quiz>
"""


def _set(app, data, filename):
    with app.app_context():
        study_set, _ = banks.import_bank(data, filename=filename, set_name=filename, publish=True)
        db.session.commit()
        return study_set.id


def _start(client, set_id):
    started = client.post(f"/sets/{set_id}/attempts", data={"mode": "practice"})
    return int(re.search(r"/attempts/(\d+)", started.headers["Location"])[1])


def test_description_essay_and_mcq_in_one_quiz(client, app):
    set_id = _set(app, BANK, "mixed.gift")
    attempt_id = _start(client, set_id)
    with app.app_context():
        order = db.session.get(Attempt, attempt_id).item_ids
        kinds = [db.session.get(Item, i).type for i in order]
    assert kinds == ["description", "essay", "mcq"]
    intro = client.get(f"/attempts/{attempt_id}/items/{order[0]}").get_data(as_text=True)
    assert "<b>first</b>" in intro and "<script>alert" not in intro
    client.post(f"/attempts/{attempt_id}/items/{order[0]}", data={})
    client.post(f"/attempts/{attempt_id}/items/{order[1]}", data={"answer": "Scattering."})
    essay = client.get(f"/attempts/{attempt_id}/items/{order[1]}").get_data(as_text=True)
    assert "your teacher will grade" in essay
    client.post(f"/attempts/{attempt_id}/items/{order[2]}", data={"answer": "Paris"})
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Waiting for your teacher" in result
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.score, attempt.max_score) == (1.0, 2.0)  # essay pending, intro free
        essay_response = db.session.scalar(sa.select(Response).where(Response.item_id == order[1]))
        assert essay_response.needs_grading and essay_response.answer == "Scattering."


def test_cloze_with_two_gaps(client, app):
    set_id = _set(app, CLOZE_XML, "rivers.xml")
    attempt_id = _start(client, set_id)
    with app.app_context():
        item_id = db.session.get(Attempt, attempt_id).item_ids[0]
    page = client.get(f"/attempts/{attempt_id}/items/{item_id}").get_data(as_text=True)
    assert 'name="gap_0"' in page and 'name="gap_1"' in page
    client.post(
        f"/attempts/{attempt_id}/items/{item_id}", data={"gap_0": "nile", "gap_1": "Mississippi"}
    )
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        assert response.answer == ["nile", "Mississippi"] and response.score == 0.5
