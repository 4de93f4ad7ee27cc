"""Forged and replayed launches are refused with a clear 4xx page, and create nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from lti.platform_harness import new_key, public_jwk
from lti.tool_harness import ToolServer, launch, login, make_app

from quizapp.extensions import db
from quizapp.models import LtiIdentity, LtiNonce, User


def forged(platform, nonce: str, case: str, set_id: int) -> str:
    claims = platform.claims(nonce=nonce, set_id=set_id)
    if case == "wrong signature":
        return platform.sign(claims, key=new_key())  # same kid, another key
    if case == "unknown key id":
        return platform.sign(claims, key=new_key(), kid="not-published")
    if case == "wrong audience":
        claims["aud"] = "another-tool"
    elif case == "wrong issuer":
        claims["iss"] = "https://impostor.example"
    elif case == "expired":
        claims["iat"], claims["exp"] = int(time.time()) - 900, int(time.time()) - 300
    elif case == "issued in the future":
        claims["iat"], claims["exp"] = int(time.time()) + 900, int(time.time()) + 1200
    elif case == "unknown deployment":
        claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "rogue-deployment"
    elif case == "another nonce":
        claims["nonce"] = "a-nonce-quizapp-never-issued"
    elif case == "no user":
        del claims["sub"]
    return platform.sign(claims)


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("wrong signature", 400, "signature does not verify"),
        ("unknown key id", 400, "key the platform does not publish"),
        ("wrong audience", 403, "not for a registered client"),
        ("wrong issuer", 403, "not for a registered client"),
        ("expired", 400, "has expired"),
        ("issued in the future", 400, "not yet valid"),
        ("unknown deployment", 400, "deployment ID &#34;rogue-deployment&#34; is not recognised"),
        ("another nonce", 400, "nonce is not the one issued"),
        ("no user", 400, "Must have a user"),
    ],
)
def test_forged_token_is_refused(tool, platform, lti_app, study_set, case, status, message):
    session = requests.Session()
    start = login(tool, platform, session)
    response = session.post(
        tool.url + "/lti/launch",
        data={"id_token": forged(platform, start.nonce, case, study_set), "state": start.state},
        allow_redirects=False,
    )
    assert response.status_code == status, response.text
    assert message in response.text
    assert "<h1>Sorry, that did not work</h1>" in response.text
    with lti_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(LtiIdentity.id))) == 0
        # The state is spent even by a refused launch: no second try with the same one.
        assert db.session.scalar(sa.select(LtiNonce).where(LtiNonce.kind == "state")) is None


def test_replayed_token_is_refused(tool, platform, lti_app, study_set):
    session = requests.Session()
    start = login(tool, platform, session)
    token = platform.id_token(nonce=start.nonce, set_id=study_set)
    post = {"id_token": token, "state": start.state}
    first = session.post(tool.url + "/lti/launch", data=post, allow_redirects=False)
    assert first.status_code in (302, 303)
    replay = session.post(tool.url + "/lti/launch", data=post, allow_redirects=False)
    assert replay.status_code == 400 and "already used" in replay.text


def test_nonce_is_never_accepted_twice_even_with_a_fresh_state(tool, platform, lti_app, study_set):
    """The one-time nonce store, on its own: a new login's state is valid, but the token's
    nonce (issued for it) was already consumed by another process's launch."""
    from quizapp.models import utcnow
    from quizapp.services.lti_launch import consume_nonce

    session = requests.Session()
    start = login(tool, platform, session)
    with lti_app.app_context():  # another process used this nonce a moment ago
        assert consume_nonce(start.nonce, utcnow())
        db.session.commit()
    token = platform.id_token(nonce=start.nonce, set_id=study_set)
    response = session.post(
        tool.url + "/lti/launch", data={"id_token": token, "state": start.state}
    )
    assert response.status_code == 400 and "replayed nonce" in response.text


def test_replay_into_another_process_is_refused(tmp_path: Path, tool, platform, lti_app, study_set):
    """Two app processes on one database: the nonce store is shared."""
    session = requests.Session()
    start = login(tool, platform, session)
    post = {
        "id_token": platform.id_token(nonce=start.nonce, set_id=study_set),
        "state": start.state,
    }
    assert session.post(tool.url + "/lti/launch", data=post, allow_redirects=False).status_code in (
        302, 303,
    )  # fmt: skip
    other = make_app(tmp_path)  # same database file, separate app and engine
    with ToolServer(other) as second:
        replay = session.post(second.url + "/lti/launch", data=post, allow_redirects=False)
    assert replay.status_code == 400 and "already used" in replay.text


def test_launch_without_login_is_refused(tool, platform, study_set):
    token = platform.id_token(nonce="made-up", set_id=study_set)
    response = requests.post(tool.url + "/lti/launch", data={"id_token": token, "state": "made-up"})
    assert response.status_code == 400 and "unknown state" in response.text


def test_malformed_launch_is_a_4xx(tool, platform):
    response = requests.post(tool.url + "/lti/launch", data={"id_token": "", "state": ""})
    assert response.status_code == 400 and "not an LTI launch" in response.text
    start = login(tool, platform, requests.Session())
    garbage = requests.post(
        tool.url + "/lti/launch",
        data={"id_token": "not.a.jwt", "state": start.state},
        cookies={f"lti1p3-{start.state}": start.state},
    )
    assert garbage.status_code == 400 and "The launch was refused" in garbage.text


def test_platform_key_rotation_refetches_the_jwks_once(tool, platform, lti_app, study_set):
    assert launch(tool, platform, set_id=study_set, sub="a").status_code in (302, 303)
    assert platform.recorded.jwks_requests == 1
    platform.key, platform.kid = new_key(), "platform-key-2"  # the LMS rotates its key
    with lti_app.app_context():
        # Our cached copy is within its TTL but older than the one-minute refresh floor.
        from quizapp.models import LtiPlatform, utcnow

        row = db.session.scalar(sa.select(LtiPlatform))
        row.key_set_fetched_at = utcnow() - timedelta(minutes=2)
        row.key_set = {"keys": [public_jwk(new_key(), "platform-key-1")]}
        db.session.commit()
    assert launch(tool, platform, set_id=study_set, sub="b").status_code in (302, 303)
    assert platform.recorded.jwks_requests == 2


def test_unknown_kid_cannot_make_quizapp_hammer_the_platform(tool, platform, lti_app, study_set):
    assert launch(tool, platform, set_id=study_set).status_code in (302, 303)
    for _ in range(3):
        session = requests.Session()
        start = login(tool, platform, session)
        token = forged(platform, start.nonce, "unknown key id", study_set)
        response = session.post(
            tool.url + "/lti/launch", data={"id_token": token, "state": start.state}
        )
        assert response.status_code == 400
    assert platform.recorded.jwks_requests == 1  # cached copy is fresh: no refetch
