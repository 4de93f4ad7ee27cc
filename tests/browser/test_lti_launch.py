"""An LTI launch inside an LMS's iframe, in Chromium with third-party cookies blocked.

The LMS page (http://localhost:P) and quizapp (http://127.0.0.1:T) are different sites, so
quizapp runs as a third party in the frame: its cookies are refused there. The launch must
still work, keeping state and nonce in the LMS's storage frame (LTI postMessage storage).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from lti.platform_harness import (
    BLOCK_THIRD_PARTY_COOKIES,
    COOKIE_PROBE,
    CookieRecorder,
    FakePlatform,
    chromium_executable,
)
from lti.tool_harness import ToolServer, make_app, make_set

from quizapp.extensions import db
from quizapp.models import LtiIdentity

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cookieless_browser():
    from playwright.sync_api import sync_playwright

    path = chromium_executable()
    if path is None:
        pytest.fail("Chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=BLOCK_THIRD_PARTY_COOKIES
        )
        yield browser
        browser.close()


@pytest.fixture
def lti_stack(tmp_path: Path):
    """quizapp (recording the cookies it receives), a set, and an LMS on another site."""
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
    set_id = make_set(app)
    recorder = CookieRecorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    with ToolServer(app) as tool, FakePlatform(public_host="localhost") as lms:
        lms.tool_jwks_url = tool.url + "/lti/jwks"
        lms.tool_launch_url = tool.url + "/lti/launch"
        lms.register_with(app)
        lms.next_launch = {"set_id": set_id, "sub": "browser-learner"}
        yield app, tool, lms, recorder, set_id
        assert not lms.errors, lms.errors
    with app.app_context():
        db.engine.dispose()


def test_launch_in_a_frame_with_third_party_cookies_blocked(cookieless_browser, lti_stack):
    app, tool, lms, recorder, set_id = lti_stack
    context = cookieless_browser.new_context(viewport={"width": 1000, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        query = urlencode({"tool_login": tool.url + "/lti/login", "storage": "1"})
        page.goto(f"{lms.url}/lms?{query}")
        frame = page.frame(name="tool")
        frame.wait_for_url(re.compile(rf"/embed/sets/{set_id}\?t="))
        frame.get_by_role("heading", name="Cell biology").wait_for()

        # Cookies really are blocked for quizapp inside the frame...
        assert frame.evaluate(COOKIE_PROBE) is False
        assert recorder.with_cookies() == []  # ...so quizapp never got one back
        # ...and state and nonce went through the LMS's storage instead.
        log = page.evaluate("window.platformStorageLog")
        assert "lti.put_data" in log and "lti.get_data" in log
        paths = [path for path, _cookie in recorder.requests]
        assert "/lti/launch" in paths and "/lti/launch/verify" in paths

        # The learner goes on inside the frame, still without cookies.
        frame.get_by_role("button", name="Start the quiz").click()
        frame.get_by_role("heading", name=re.compile("Question 0")).wait_for()
        with app.app_context():
            identity = db.session.scalar(sa.select(LtiIdentity))
            assert (identity.issuer, identity.subject) == (lms.issuer, "browser-learner")
        assert not errors, errors
    finally:
        context.close()


def test_without_platform_storage_the_launch_moves_to_a_new_window(cookieless_browser, lti_stack):
    """An LMS that offers no storage frame: nothing can carry state inside the frame (the
    blocked third party gets no storage either), so the learner opens a new window, where
    quizapp is first-party, and lands in the set there."""
    app, tool, lms, recorder, set_id = lti_stack
    context = cookieless_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{lms.url}/lms?" + urlencode({"tool_login": tool.url + "/lti/login"}))
        frame = page.frame(name="tool")
        link = frame.get_by_role("link", name="Open quizapp in a new window")
        link.wait_for()
        assert frame.evaluate(COOKIE_PROBE) is False
        with context.expect_page() as opened:
            link.click()
        window = opened.value
        window.set_default_timeout(20_000)
        window.wait_for_url(re.compile(rf"/embed/sets/{set_id}\?t="))
        window.get_by_role("heading", name="Cell biology").wait_for()
        assert page.evaluate("window.platformStorageLog") == []
        assert len(lms.recorded.auth_requests) == 1  # only the new window reached the LMS
    finally:
        context.close()
