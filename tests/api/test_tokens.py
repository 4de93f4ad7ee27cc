"""Bearer tokens: exchange, expiry, revocation, the browser page, cookies with CSRF, limits."""

import hashlib
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import ApiToken, utcnow

from .conftest import PASSWORD, Api, make_user
from support import csrf_token_from


def test_password_for_token_and_only_its_hash_is_stored(app, client):
    make_user(app, "ada")
    response = client.post("/api/v1/tokens", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=29) < expires - utcnow() <= timedelta(days=30)
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken))
        assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        assert body["token"] not in {stored.token_hash, stored.name}
    me = Api(client, body["token"]).get("/me/progress")
    assert me.status_code == 200
    assert "Set-Cookie" not in me.headers  # bearer calls start no session


def test_token_lifetime_comes_from_config(app, client):
    app.config["API_TOKEN_TTL_DAYS"] = 2
    make_user(app, "ada")
    body = client.post("/api/v1/tokens", json={"username": "ada", "password": PASSWORD}).json
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=1) < expires - utcnow() <= timedelta(days=2)


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ada", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_401_with_a_bearer_challenge(app, client, payload):
    make_user(app, "ada")
    response = client.post("/api/v1/tokens", json=payload)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_missing_fields_name_the_field(client):
    response = client.post("/api/v1/tokens", json={"username": "ada"})
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "missing_field",
        "message": "password is required",
        "field": "password",
    }


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer nope", "Basic YWRhOnB3", "Token abc"],
)
def test_calls_without_a_valid_token_are_401(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/sets", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="quizapp"')
    assert response.is_json and set(response.get_json()["error"]) == {"code", "message", "field"}


def test_expired_and_revoked_tokens_fail(app, learner):
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert learner.get("/sets").status_code == 401
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        token.expires_at = utcnow() + timedelta(days=1)
        db.session.commit()
    assert learner.get("/sets").status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(ApiToken)).revoked_at = utcnow()
        db.session.commit()
    response = learner.get("/sets")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_app_can_revoke_its_own_token(learner, client):
    assert learner.delete("/tokens/current").status_code == 204
    assert learner.get("/sets").status_code == 401


def test_last_use_is_recorded(app, learner):
    assert learner.get("/sets").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_guests_get_no_tokens(app, client):
    from quizapp.services import accounts

    with app.app_context():
        guest = accounts.create_guest()
        db.session.commit()
        username = guest.username
    response = client.post("/api/v1/tokens", json={"username": username, "password": "x"})
    assert response.status_code == 401


# --- the browser page -------------------------------------------------------------------------


def test_tokens_page_creates_lists_and_revokes_with_csrf(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(app, "ada")
    login_page = client.get("/auth/login").get_data(as_text=True)
    client.post(
        "/auth/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_token_from(login_page)},
    )
    page = client.get("/auth/tokens")
    assert page.status_code == 200 and "You have no API tokens" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/auth/tokens", data={"name": "phone"}).status_code == 400  # no CSRF
    created = client.post("/auth/tokens", data={"name": "phone", "csrf_token": token})
    html = created.get_data(as_text=True)
    raw = re.search(r'id="new-token" type="text" value="([^"]+)"', html).group(1)
    assert "phone" in html and "active" in html
    assert Api(app.test_client(), raw).get("/sets").status_code == 200
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.post(f"/auth/tokens/{token_id}/revoke").status_code == 400  # no CSRF
    revoked = client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code in (302, 303)
    assert "revoked" in client.get("/auth/tokens").get_data(as_text=True)
    assert Api(app.test_client(), raw).get("/sets").status_code == 401
    assert raw not in client.get("/auth/tokens").get_data(as_text=True)  # shown only once


def test_tokens_page_needs_login_and_hides_other_peoples_tokens(app, client, auth):
    assert client.get("/auth/tokens").status_code in (302, 303)
    make_user(app, "ada")
    make_user(app, "bob")
    from .conftest import issue

    issue(app, "bob")
    with app.app_context():
        bobs = db.session.scalar(sa.select(ApiToken.id))
    auth.login("ada", PASSWORD)
    assert "You have no API tokens" in client.get("/auth/tokens").get_data(as_text=True)
    assert client.post(f"/auth/tokens/{bobs}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, bobs).revoked_at is None


# --- cookies and CSRF ---------------------------------------------------------------------------


def test_a_signed_in_browser_may_call_the_api_but_must_send_csrf(app, client, seeded):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(app, "ada")
    login_page = client.get("/auth/login").get_data(as_text=True)
    client.post(
        "/auth/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_token_from(login_page)},
    )
    assert client.get("/api/v1/sets").status_code == 200  # reads need no token
    refused = client.post(f"/api/v1/sets/{seeded}/attempts", json={"mode": "practice"})
    assert refused.status_code == 400 and refused.is_json
    token = csrf_token_from(client.get("/auth/account").get_data(as_text=True))
    started = client.post(
        f"/api/v1/sets/{seeded}/attempts", json={"mode": "practice"}, headers={"X-CSRFToken": token}
    )
    assert started.status_code == 201


def test_bearer_calls_need_no_csrf_even_when_it_is_enabled(app, learner, seeded):
    app.config["WTF_CSRF_ENABLED"] = True
    assert learner.post(f"/sets/{seeded}/attempts", {"mode": "test"}).status_code == 201


def test_token_exchange_is_rate_limited(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}",
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [
        client.post("/api/v1/tokens", json={"username": "x", "password": "y"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]
    limited = client.post("/api/v1/tokens", json={"username": "x", "password": "y"})
    assert limited.is_json and limited.get_json()["error"]["code"] == "too_many_requests"
    with app.app_context():
        db.engine.dispose()
