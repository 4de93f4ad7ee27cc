"""Sign-in, registration and guests becoming accounts."""

import re

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, User


def test_login_and_logout(client, auth):
    auth.create("ada", "correct-horse")
    bad = auth.login("ada", "wrong-password")
    assert "wrong password" in bad.get_data(as_text=True)
    good = auth.login("ada", "correct-horse")
    assert good.headers["Location"] == "/"
    assert "ada" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_login_does_not_follow_offsite_next(client, auth):
    auth.create("ada", "correct-horse")
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"username": "ada", "password": "correct-horse"},
    )
    assert response.headers["Location"] == "/"


def test_guest_progress_moves_into_the_new_account(client, app, seeded):
    started = client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"})
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    response = client.post(
        "/auth/register",
        data={"username": "newbie", "password": "long-enough", "confirm": "long-enough"},
    )
    assert response.status_code in (302, 303)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "newbie"))
        assert not user.is_guest and user.check_password("long-enough")
        assert db.session.get(Attempt, attempt_id).user_id == user.id
    assert client.get(f"/attempts/{attempt_id}").status_code in (302, 303)


def test_register_rejects_taken_names_and_mismatched_passwords(client, auth):
    auth.create("ada")
    taken = client.post(
        "/auth/register",
        data={"username": "ADA", "password": "long-enough", "confirm": "long-enough"},
    )
    assert "taken" in taken.get_data(as_text=True)
    mismatch = client.post(
        "/auth/register",
        data={"username": "bob", "password": "long-enough", "confirm": "different"},
    )
    assert "differ" in mismatch.get_data(as_text=True)


def test_csrf_is_required_when_enabled(app, client, auth):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.create("ada", "correct-horse")
    response = client.post("/auth/login", data={"username": "ada", "password": "correct-horse"})
    assert response.status_code == 400
    assert "forged" in response.get_data(as_text=True) or "expired" in response.get_data(
        as_text=True
    )


def test_login_is_rate_limited(tmp_path):
    from quizapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}",
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "5 per minute",
        }
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [
        client.post("/auth/login", data={"username": "x", "password": "wrong-pass"}).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    assert client.get("/auth/login").status_code == 200  # only attempts are limited
    with app.app_context():
        db.engine.dispose()
