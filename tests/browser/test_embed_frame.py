"""The plain-iframe embed in Chromium with third-party cookies blocked: a page on another
site (origin) frames the quiz, the learner answers, and the answer is stored; a site that
is not allowed cannot frame quizapp at all."""

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
from quizapp.models import Response

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
def embed_stack(tmp_path: Path):
    """quizapp, a set, an allowed host site and a host site nobody allowed."""
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
    set_id = make_set(app)
    recorder = CookieRecorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    with (
        ToolServer(app) as tool,
        FakePlatform(public_host="localhost") as allowed,
        FakePlatform(public_host="localhost") as stranger,
    ):
        app.config["EMBED_ALLOWED_ORIGINS"] = [allowed.url]
        yield app, tool, allowed, stranger, recorder, set_id
    with app.app_context():
        db.engine.dispose()


def test_embedded_quiz_on_another_site_without_cookies(cookieless_browser, embed_stack):
    app, tool, allowed, stranger, recorder, set_id = embed_stack
    context = cookieless_browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        src = f"{tool.url}/embed/sets/{set_id}/quiz"
        page.goto(f"{allowed.url}/host?" + urlencode({"src": src}))
        frame = page.frame(name="tool")
        frame.get_by_role("button", name="Start the quiz").click()
        frame.get_by_role("heading", name=re.compile("Question 0")).wait_for()
        assert frame.evaluate(COOKIE_PROBE) is False  # third-party cookies are blocked here
        frame.get_by_role("radio", name="Right 0", exact=True).check()
        frame.get_by_role("button", name="Check answer").click()
        frame.get_by_text("✔ Correct").wait_for()
        frame.get_by_role("link", name="Next question").click()
        frame.get_by_role("heading", name=re.compile("Question 1")).wait_for()

        with app.app_context():
            (response,) = db.session.scalars(sa.select(Response))
            assert (response.answer, response.correct) == ("Right 0", True)
        assert recorder.with_cookies() == []  # the pass did the work, not a cookie
        assert not errors, errors
    finally:
        context.close()


def test_a_site_that_is_not_allowed_cannot_frame_quizapp(cookieless_browser, embed_stack):
    app, tool, allowed, stranger, recorder, set_id = embed_stack
    context = cookieless_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    try:
        src = f"{tool.url}/embed/sets/{set_id}/quiz"
        page.goto(f"{stranger.url}/host?" + urlencode({"src": src}))
        page.wait_for_function(
            "() => document.getElementById('tool').contentWindow.location !== null"
        )
        frame = page.frame(name="tool")
        frame.wait_for_load_state()
        page.wait_for_timeout(200)
        assert not frame.url.startswith(tool.url)  # Chromium's error page, not quizapp
        assert frame.get_by_role("button", name="Start the quiz").count() == 0
        assert "Start the quiz" not in frame.content()
        assert any("frame-ancestors" in text for text in refused), refused
    finally:
        context.close()
