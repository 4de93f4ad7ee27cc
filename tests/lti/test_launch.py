"""OIDC login → launch against a fake LMS over real HTTP: the learner lands in the set."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from lti.platform_harness import INSTRUCTOR
from lti.tool_harness import deep_link_claims, launch, login, page_data, pass_token

from quizapp.extensions import db
from quizapp.models import (
    Course,
    Enrollment,
    LtiIdentity,
    LtiNonce,
    LtiResourceLink,
    User,
)

from support import limited_app


def test_login_redirects_to_the_platform_with_state_and_nonce(tool, platform, lti_app):
    start = login(tool, platform, requests.Session())
    query = start.auth_query
    assert start.data["authUrl"].startswith(platform.auth_login_url + "?")
    assert query["redirect_uri"] == tool.url + "/lti/launch"
    assert query["client_id"] == platform.client_id
    assert query["login_hint"] == "hint-1" and query["lti_message_hint"] == "message-1"
    assert query["response_mode"] == "form_post" and query["prompt"] == "none"
    assert (query["state"], query["nonce"]) == (start.state, start.nonce)
    assert start.data["platformOrigin"] == platform.url
    cookie = start.response.headers["Set-Cookie"]
    assert cookie.startswith(f"lti1p3-{start.state}=") and "HttpOnly" in cookie
    with lti_app.app_context():
        record = db.session.scalar(sa.select(LtiNonce).where(LtiNonce.kind == "state"))
        assert record.value == f"state:{start.state}" and record.data["nonce"] == start.nonce


def test_learner_launch_lands_in_the_set(tool, platform, lti_app, study_set):
    session = requests.Session()
    response = launch(tool, platform, session, set_id=study_set, sub="student-42")
    assert response.status_code in (302, 303), response.text
    assert urlsplit(response.headers["Location"]).path == f"/embed/sets/{study_set}"
    page = session.get(tool.url + response.headers["Location"])
    assert page.status_code == 200
    assert "<h1>Cell biology</h1>" in page.text and "Start the quiz" in page.text
    assert "gradebook" in page.text
    assert f"frame-ancestors 'self' {platform.url}" in page.headers["Content-Security-Policy"]
    with lti_app.app_context():
        identity = db.session.scalar(sa.select(LtiIdentity))
        assert (identity.issuer, identity.subject) == (platform.issuer, "student-42")
        user = db.session.get(User, identity.user_id)
        assert user.role == "learner" and not user.is_guest and user.password_hash is None
        course = db.session.scalar(sa.select(Course))
        assert (course.lti_issuer, course.lti_context_id, course.name) == (
            platform.issuer, "course-1", "Biology 101",
        )  # fmt: skip
        enrollment = db.session.scalar(sa.select(Enrollment))
        assert (enrollment.course_id, enrollment.user_id, enrollment.role) == (
            course.id, user.id, "learner",
        )  # fmt: skip
        link = db.session.scalar(sa.select(LtiResourceLink))
        assert (link.resource_link_id, link.set_id, link.course_id) == (
            "link-1",
            study_set,
            course.id,
        )
        assert link.lineitem_url == platform.lineitem_url
        assert link.memberships_url == platform.memberships_url
        kinds = sorted(db.session.scalars(sa.select(LtiNonce.kind)))
        assert kinds == ["nonce"]  # the state is used up, the nonce remembered


def test_second_launch_reuses_the_account(tool, platform, lti_app, study_set):
    for _ in range(2):
        assert launch(tool, platform, set_id=study_set, sub="same").status_code in (302, 303)
    with lti_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 1
    # The platform's JWKS was fetched once and then served from the cache.
    assert platform.recorded.jwks_requests == 1


def test_instructor_launch_opens_the_link_page(tool, platform, lti_app, study_set):
    session = requests.Session()
    response = launch(tool, platform, session, set_id=study_set, sub="prof", roles=INSTRUCTOR)
    assert re.match(r"/lti/links/\d+\?t=", response.headers["Location"])
    page = session.get(tool.url + response.headers["Location"])
    assert page.status_code == 200 and "Open it as a learner" in page.text
    with lti_app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.role == "instructor"
        course = db.session.scalar(sa.select(Course))
        assert course.owner_id == user.id
        assert db.session.scalar(sa.select(Enrollment.role)) == "instructor"


def test_launch_without_cookies_checks_the_browser_storage(tool, platform, lti_app, study_set):
    """Third-party cookies blocked: the state cookie never comes back, so the launch page
    reads state and nonce back from storage and confirms them (same-origin only)."""
    start = login(tool, platform, requests.Session())
    token = platform.id_token(nonce=start.nonce, set_id=study_set)
    bare = requests.post(
        tool.url + "/lti/launch", data={"id_token": token, "state": start.state},
        allow_redirects=False, headers={"Origin": platform.url},
    )  # fmt: skip
    assert bare.status_code == 200, bare.text
    pending = page_data(bare.text, "lti-launch-data")
    assert pending == {
        "state": start.state, "nonce": start.nonce, "storageTarget": None,
        "platformOrigin": platform.url,
    }  # fmt: skip
    verify = {"state": start.state, "stored_state": start.state, "stored_nonce": start.nonce}
    forged = requests.post(
        tool.url + "/lti/launch/verify", data=verify, allow_redirects=False,
        headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    )  # fmt: skip
    assert forged.status_code == 403 and "another site" in forged.text
    done = requests.post(
        tool.url + "/lti/launch/verify", data=verify, allow_redirects=False,
        headers={"Origin": tool.url, "Sec-Fetch-Site": "same-origin"},
    )  # fmt: skip
    assert done.status_code in (302, 303), done.text
    assert urlsplit(done.headers["Location"]).path == f"/embed/sets/{study_set}"
    landed = requests.get(tool.url + done.headers["Location"])
    # The LMS page that posted the launch may frame what follows.
    assert f"frame-ancestors 'self' {platform.url}" in landed.headers["Content-Security-Policy"]


def test_storage_check_with_wrong_values_is_refused(tool, platform, lti_app, study_set):
    start = login(tool, platform, requests.Session())
    token = platform.id_token(nonce=start.nonce, set_id=study_set)
    requests.post(tool.url + "/lti/launch", data={"id_token": token, "state": start.state})
    refused = requests.post(
        tool.url + "/lti/launch/verify",
        data={"state": start.state, "stored_state": "", "stored_nonce": ""},
        headers={"Origin": tool.url},
    )
    assert refused.status_code == 403 and "could not show it started the launch" in refused.text
    # The state is spent: the same launch cannot be retried.
    again = requests.post(
        tool.url + "/lti/launch/verify",
        data={"state": start.state, "stored_state": start.state, "stored_nonce": start.nonce},
        headers={"Origin": tool.url},
    )
    assert again.status_code == 400 and "expired or was already used" in again.text
    with lti_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_storage_target_is_passed_to_the_page(tool, platform):
    start = login(tool, platform, requests.Session(), lti_storage_target="_parent")
    assert start.data["storageTarget"] == "_parent"
    assert "lti1p3_new_window=1" in start.response.text.replace("&amp;", "&")


def test_unknown_platform_login_is_a_clear_403(tool, platform):
    response = requests.get(
        tool.url + "/lti/login", params={"iss": "https://unknown.example", "login_hint": "x"}
    )
    assert response.status_code == 403
    assert "not registered with the platform" in response.text


def test_deep_link_launch_lets_the_instructor_pick_a_set(tool, platform, lti_app, study_set):
    session = requests.Session()
    response = launch(
        tool, platform, session, message_type="LtiDeepLinkingRequest", roles=INSTRUCTOR
    )
    assert urlsplit(response.headers["Location"]).path == "/lti/deep-link"
    picker = session.get(tool.url + response.headers["Location"])
    assert "Cell biology" in picker.text
    token = pass_token(response.headers["Location"])
    chosen = session.post(
        tool.url + "/lti/deep-link", data={"t": token, "set_id": study_set},
        headers={"Origin": tool.url},
    )  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    assert f'action="{platform.url}/deep-link-return"' in chosen.text
    assert f"form-action 'self' {platform.url}" in chosen.headers["Content-Security-Policy"]
    claims = deep_link_claims(tool, platform, chosen.text)
    assert claims["iss"] == platform.client_id
    claim = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims[claim + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[claim + "deployment_id"] == platform.deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == tool.url + "/lti/launch"
    assert item["custom"] == {"set_id": str(study_set)}
    assert item["lineItem"]["scoreMaximum"] == 3.0 and item["lineItem"]["label"] == "Cell biology"
    # The stored deep-linking launch is single-use.
    again = session.post(
        tool.url + "/lti/deep-link", data={"t": token, "set_id": study_set},
        headers={"Origin": tool.url},
    )  # fmt: skip
    assert again.status_code == 400


def test_deep_linking_is_for_instructors_only(tool, platform):
    response = launch(tool, platform, message_type="LtiDeepLinkingRequest")
    assert response.status_code == 403 and "Only instructors" in response.text


def test_link_without_a_set_tells_learners_to_wait(tool, platform, lti_app):
    response = launch(tool, platform)
    assert response.status_code == 409 and "Not ready yet" in response.text


def test_an_expired_pass_is_explained_inside_the_lms_frame(tool, platform, lti_app, study_set):
    session = requests.Session()
    location = launch(tool, platform, session, set_id=study_set).headers["Location"]
    lti_app.config["EMBED_TOKEN_MAX_AGE_SECONDS"] = -1
    expired = session.get(tool.url + location)
    assert expired.status_code == 400 and "expired after a long pause" in expired.text
    assert f"frame-ancestors 'self' {platform.url}" in expired.headers["Content-Security-Policy"]


def test_lti_login_initiations_are_limited_per_address(tmp_path):
    """Anyone may start an LTI login, and each one stores a state and a nonce: one address
    gets a clear 429 past LTI_LOGIN_RATE_LIMIT, while other addresses still get through."""
    app = limited_app(tmp_path, LTI_LOGIN_RATE_LIMIT="4 per minute")
    params = {"iss": "https://unknown.example", "login_hint": "x"}
    flood = {"REMOTE_ADDR": "198.51.100.9"}
    statuses = [
        app.test_client().get("/lti/login", query_string=params, environ_base=flood).status_code
        for _ in range(6)
    ]
    assert statuses == [403] * 4 + [429, 429]  # 403: unknown platform, until the limit
    other = {"REMOTE_ADDR": "203.0.113.5"}
    assert (
        app.test_client().get("/lti/login", query_string=params, environ_base=other).status_code
        == 403
    )
    with app.app_context():
        db.engine.dispose()
