"""Registering platforms: LTI Dynamic Registration end to end, the admin page, the CLI, and
quizapp's own keys and configuration."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
from lti.platform_harness import FakePlatform

from quizapp.extensions import db
from quizapp.lti_cli import LTI_COMMANDS, lti_invite_command, lti_keys_group, lti_register_command
from quizapp.models import LtiPlatform, LtiToolKey
from quizapp.services.lti_platforms import make_invite

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@pytest.fixture
def lms(tool):
    with FakePlatform() as platform:
        platform.tool_jwks_url = tool.url + "/lti/jwks"
        yield platform
        assert not platform.errors, platform.errors


def invite(app) -> str:
    return make_invite(app.config["SECRET_KEY"], "test")


@pytest.mark.parametrize("registration_token", ["reg-token-123", None])
def test_dynamic_registration(tool, lms, lti_app, registration_token):
    lms.registration_token = registration_token
    params = {"openid_configuration": lms.openid_configuration_url, "invite": invite(lti_app)}
    if registration_token:
        params["registration_token"] = registration_token
    response = requests.get(tool.url + "/lti/register", params=params)
    assert response.status_code == 200, response.text
    assert "quizapp is registered" in response.text
    assert "/static/js/lti_register.js" in response.text  # posts org.imsglobal.lti.close
    assert lms.recorded.registration_auth == [
        f"Bearer {registration_token}" if registration_token else None
    ]
    (sent,) = lms.recorded.registrations
    assert sent["initiate_login_uri"] == tool.url + "/lti/login"
    assert sent["redirect_uris"] == [tool.url + "/lti/launch"]
    assert sent["jwks_uri"] == tool.url + "/lti/jwks"
    assert sent["grant_types"] == ["implicit", "client_credentials"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"]
    messages = {m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]}
    assert messages == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    with lti_app.app_context():
        platform = db.session.scalar(sa.select(LtiPlatform))
        assert (platform.issuer, platform.client_id) == (lms.issuer, "dynamic-client")
        assert platform.deployment_ids == ["dynamic-1"]
        assert platform.auth_login_url == lms.auth_login_url
        assert platform.auth_token_url == lms.token_url
        assert platform.key_set_url == lms.jwks_url
        assert platform.name == "fake-lms"


def test_dynamically_registered_platform_can_launch(tool, lms, lti_app):
    from lti.tool_harness import launch, make_set

    requests.get(
        tool.url + "/lti/register",
        params={"openid_configuration": lms.openid_configuration_url, "invite": invite(lti_app)},
    )
    lms.client_id, lms.deployment_id = "dynamic-client", "dynamic-1"
    lms.tool_launch_url = tool.url + "/lti/launch"
    set_id = make_set(lti_app)
    response = launch(tool, lms, set_id=set_id)
    assert (
        response.status_code in (302, 303)
        and f"/embed/sets/{set_id}" in response.headers["Location"]
    )


def test_registration_needs_an_invite(tool, lms, lti_app):
    params = {"openid_configuration": lms.openid_configuration_url}
    refused = requests.get(tool.url + "/lti/register", params=params)
    assert refused.status_code == 403 and "invitation" in refused.text
    forged = requests.get(tool.url + "/lti/register", params={**params, "invite": "nope"})
    assert forged.status_code == 403
    assert lms.recorded.registrations == []
    with lti_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LtiPlatform.id))) == 0


def test_an_invite_registers_once(tool, lms, lti_app):
    params = {"openid_configuration": lms.openid_configuration_url, "invite": invite(lti_app)}
    assert requests.get(tool.url + "/lti/register", params=params).status_code == 200
    again = requests.get(tool.url + "/lti/register", params=params)
    assert again.status_code == 403 and "already used" in again.text
    assert len(lms.recorded.registrations) == 1


def test_open_registration_needs_no_invite(tool, lms, lti_app):
    lti_app.config["LTI_OPEN_REGISTRATION"] = True
    params = {"openid_configuration": lms.openid_configuration_url}
    assert requests.get(tool.url + "/lti/register", params=params).status_code == 200


def test_registration_refused_by_the_platform_is_a_clear_error(tool, lms, lti_app):
    lms.registration_token = "expected"
    response = requests.get(
        tool.url + "/lti/register",
        params={
            "openid_configuration": lms.openid_configuration_url,
            "registration_token": "wrong",
            "invite": invite(lti_app),
        },
    )
    assert response.status_code == 502 and "refused the registration" in response.text
    bad_config = requests.get(
        tool.url + "/lti/register",
        params={"openid_configuration": lms.url + "/nothing-here", "invite": invite(lti_app)},
    )
    assert bad_config.status_code == 502 and "Could not read the platform" in bad_config.text


def test_config_and_jwks(tool, lti_app):
    config = requests.get(tool.url + "/lti/config").json()
    assert config["initiate_login_uri"] == tool.url + "/lti/login"
    assert config["quizapp"]["jwks_url"] == tool.url + "/lti/jwks"
    assert config[TOOL_CONFIGURATION]["domain"] == urlsplit_netloc(tool.url)
    keys = requests.get(tool.url + "/lti/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and "d" not in keys[0]


def urlsplit_netloc(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


def test_cli_register_and_rotate_keys(lti_app):
    runner = lti_app.test_cli_runner()
    args = [
        "--issuer", "https://lms.example.edu", "--client-id", "abc",
        "--auth-login-url", "https://lms.example.edu/auth",
        "--auth-token-url", "https://lms.example.edu/token",
        "--key-set-url", "https://lms.example.edu/jwks",
        "--deployment-id", "d1", "--deployment-id", "d2",
    ]  # fmt: skip
    result = runner.invoke(lti_register_command, args)
    assert result.exit_code == 0, result.output
    assert "registered https://lms.example.edu · client abc · deployments: d1, d2" in result.output
    again = runner.invoke(lti_register_command, [*args[:-4], "--deployment-id", "d3"])
    assert again.exit_code == 0
    bad = runner.invoke(lti_register_command, [*args[:4], "--auth-login-url", "ftp://x", *args[6:]])
    assert bad.exit_code != 0 and "must be an http(s) URL" in bad.output
    with lti_app.app_context():
        platform = db.session.scalar(sa.select(LtiPlatform))
        assert platform.deployment_ids == ["d1", "d2", "d3"]
        first = db.session.scalar(sa.select(LtiToolKey))
        first_kid = first.kid

    rotated = runner.invoke(lti_keys_group, ["rotate"])
    assert rotated.exit_code == 0 and "new signing key" in rotated.output
    listed = runner.invoke(lti_keys_group, ["list"])
    assert listed.output.count("active") == 1 and "retired" in listed.output
    client = lti_app.test_client()
    kids = [key["kid"] for key in client.get("/lti/jwks").get_json()["keys"]]
    assert len(kids) == 2 and first_kid in kids  # the retired key is still published
    assert {command.name for command in LTI_COMMANDS} == {
        "lti-register", "lti-keys", "lti-invite", "worker",
    }  # fmt: skip


def test_retired_keys_leave_the_jwks_after_their_grace_period(lti_app):
    from datetime import timedelta

    from quizapp.models import utcnow
    from quizapp.services import lti_keys

    secrets = ("lti-test-secret",)
    with lti_app.app_context():
        old = lti_keys.generate_key(secrets)
        lti_keys.rotate(secrets)
        old.retired_at = utcnow() - timedelta(days=30)
        db.session.commit()
        published = {key["kid"] for key in lti_keys.jwks(retired_days=14)["keys"]}
        assert old.kid not in published and len(published) == 1


def test_cli_invite_prints_a_registration_url(lti_app):
    result = lti_app.test_cli_runner().invoke(
        lti_invite_command, ["--base-url", "https://quiz.example.edu/"]
    )
    assert result.exit_code == 0
    url = result.output.splitlines()[0]
    assert url.startswith("https://quiz.example.edu/lti/register?invite=")
    missing = lti_app.test_cli_runner().invoke(lti_invite_command, [])
    assert missing.exit_code != 0 and "LTI_BASE_URL" in missing.output


def test_admin_registers_a_platform_in_the_browser(lti_app):
    from quizapp.services.accounts import create_user

    with lti_app.app_context():
        create_user("root", "password123", role="admin")
        create_user("teacher", "password123", role="instructor")
        db.session.commit()

    def signed_in(name: str):
        client = lti_app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post(
            "/auth/login", data={"username": name, "password": "password123", "csrf_token": csrf}
        )
        return client

    anonymous = lti_app.test_client().get("/lti/platforms")
    assert anonymous.status_code in (302, 303) and "/auth/login" in anonymous.headers["Location"]
    assert signed_in("teacher").get("/lti/platforms").status_code == 403
    client = signed_in("root")
    page = client.get("/lti/platforms")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/lti/register?invite=" in html and "/lti/jwks" in html
    form = {
        "issuer": "https://moodle.example.edu", "client_id": "xyz", "deployment_id": "1",
        "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
        "key_set_url": "https://moodle.example.edu/mod/lti/certs.php", "name": "Moodle",
    }  # fmt: skip
    assert client.post("/lti/platforms", data=form).status_code == 400  # no CSRF token
    form["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(
        1
    )
    done = client.post("/lti/platforms", data=form)
    assert done.status_code in (302, 303)
    assert "Moodle" in client.get(done.headers["Location"]).get_data(as_text=True)
    with lti_app.app_context():
        assert db.session.scalar(sa.select(LtiPlatform.client_id)) == "xyz"
