"""Sign-in, registration and guests becoming accounts."""

import re

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Attempt, User

from support import limited_app


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
    app = limited_app(tmp_path, LOGIN_RATE_LIMIT="5 per minute")
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


def test_a_class_behind_one_address_signs_in_but_one_account_cannot_be_guessed(tmp_path):
    from quizapp.services.accounts import create_user

    app = limited_app(
        tmp_path, LOGIN_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="40 per minute"
    )
    with app.app_context():
        for n in range(30):
            create_user(f"pupil{n}", "class-password")
        db.session.commit()
    school = {"REMOTE_ADDR": "198.51.100.7"}  # the whole class shares one NAT address
    statuses = [
        app.test_client().post(
            "/auth/login", data={"username": f"pupil{n}", "password": "class-password"},
            environ_base=school,
        ).status_code
        for n in range(30)
    ]  # fmt: skip
    assert statuses == [302] * 30
    # Guessing one pupil's password: refused after 3 failures, from any address.
    guesses = [
        app.test_client().post(
            "/auth/login", data={"username": "Pupil1", "password": f"guess{n}"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n}"},
        ).status_code
        for n in range(5)
    ]  # fmt: skip
    assert guesses == [200, 200, 200, 429, 429]
    # One address trying many usernames meets the per-address limit.
    spray = [
        app.test_client()
        .post("/auth/login", data={"username": f"nobody{n}", "password": "x"}, environ_base=school)
        .status_code
        for n in range(12)
    ]
    assert spray[:10] == [200] * 10 and spray[10:] == [429, 429]
    with app.app_context():
        db.engine.dispose()


ATTEMPTS_SCRIPT = """
import sys
from quizapp import create_app
from quizapp.extensions import db
app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True,
                  "LOGIN_RATE_LIMIT": "3 per minute"})
with app.app_context():
    db.create_all()
client = app.test_client()
print(" ".join(str(client.post("/auth/login", data={"username": "x", "password": "no"})
                   .status_code) for _ in range(2)))
"""


def test_login_limit_is_shared_by_every_process(tmp_path):
    """Two processes (two gunicorn workers) on one database count attempts together."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    runs = [
        subprocess.run(
            [sys.executable, "-c", ATTEMPTS_SCRIPT, url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["200", "200"], ["200", "429"]]


def test_logout_invalidates_copies_of_the_session_cookie(app, client, auth):
    auth.create("ada", "correct-horse")
    auth.login("ada", "correct-horse")
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert "ada" not in thief.get("/").get_data(as_text=True)


def test_session_cookie_is_http_only_and_lax(client, auth):
    auth.create("ada", "correct-horse")
    response = auth.login("ada", "correct-horse")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_is_renewed_at_login(client, app, auth, seeded):
    client.post(f"/sets/{seeded}/attempts", data={"mode": "practice"})  # a guest session
    before = client.get_cookie("session").value
    auth.create("ada", "correct-horse")
    auth.login("ada", "correct-horse")
    after = client.get_cookie("session").value
    assert after != before
    fixed = app.test_client()  # whoever planted or kept the old cookie
    fixed.set_cookie("session", before)
    assert "ada" not in fixed.get("/").get_data(as_text=True)
