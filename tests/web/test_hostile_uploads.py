"""Hostile uploads through the browser: random bytes, XML attacks, markup. Never a 500."""

import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.extensions import db
from quizapp.models import Item

from support import DATA_DIR

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def teacher(auth):
    auth.create("teacher", "teach-pass-1", role="instructor")
    auth.login("teacher", "teach-pass-1")


@FUZZ
@given(
    data=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode),
    name=st.sampled_from(["x.gift", "x.xml", "x.csv", "x.json", "x.txt", "x.aiken"]),
)
def test_random_bank_uploads_never_500(client, teacher, data, name):
    response = client.post(
        "/teach/banks/import",
        content_type="multipart/form-data",
        data={"upload": (io.BytesIO(data), name), "format": ""},
    )
    assert response.status_code in (302, 303, 400), response.status_code


@FUZZ
@given(text=st.text(max_size=3000))
def test_random_articles_never_500(client, teacher, text):
    response = client.post("/teach/sets/new", data={"text": text or " ", "seed": "0"})
    assert response.status_code in (302, 303, 400), response.status_code


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_xml_attacks_are_refused_with_a_clear_error(client, app, teacher, name):
    data = (DATA_DIR / "banks" / name).read_bytes()
    response = client.post(
        "/teach/banks/import",
        content_type="multipart/form-data",
        data={"upload": (io.BytesIO(data), name), "format": ""},
    )
    assert response.status_code == 400
    assert "Nothing was imported" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0


def test_script_in_an_imported_question_never_runs(client, app, teacher):
    bank = (
        b"::XSS::[html]<b>Bold</b><script>alert(1)</script> "
        b"<img src=x onerror=alert(2)> question?{T}\n"
    )
    preview = client.post(
        "/teach/banks/import",
        content_type="multipart/form-data",
        data={"upload": (io.BytesIO(bank), "x.gift"), "format": "", "set_name": "XSS"},
    )
    done = client.post(preview.headers["Location"], data={})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page  # escaped or stripped, never live markup
    assert "<img src=x onerror" not in page and '<img src="x" onerror' not in page
