"""Browser tests: a live quizapp server in a thread and Debian's Chromium via Playwright.

Accessibility checks inject axe-core from node_modules (``npm ci`` installs it from
package-lock.json); the ``axe`` fixture skips without it, or fails when CI demands it.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Attempt, Item
from quizapp.services.accounts import create_user

from support import REPO_ROOT

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEED_TITLE = re.compile("Alaska")


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("QUIZAPP_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    """Skip browser tests without Chromium (or axe tests without axe-core), unless CI demands
    them: then they run and fail loudly."""
    if os.environ.get("QUIZAPP_REQUIRE_BROWSER"):
        return
    no_chromium = pytest.mark.skip(reason="Chromium not installed (apt-get install chromium)")
    no_axe = pytest.mark.skip(reason="axe-core not installed (run npm ci)")
    for item in items:
        if "browser" in item.keywords and not chromium_path():
            item.add_marker(no_chromium)
        elif "axe" in getattr(item, "fixturenames", ()) and not AXE_JS.exists():
            item.add_marker(no_axe)


class LiveServer:
    """quizapp served by Werkzeug in a background thread, on a real port."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(tmp_path: Path):
    """A fresh app on a file database set up the way `setup` does it."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    result = app.test_cli_runner().invoke(
        args=["setup", "--banks", str(REPO_ROOT / "question_banks")]
    )
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: a module may start its own Playwright (sync Playwright
    allows one at a time), e.g. test_lti_launch.py's browser that blocks third-party cookies."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail("QUIZAPP_REQUIRE_BROWSER is set but Chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (own cookies); a script error fails the test."""
    opened = []

    def open_page(viewport: str = "phone", **context_options: Any):
        context = browser.new_context(viewport=VIEWPORTS[viewport], **context_options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        opened.append((context, errors))
        return page

    yield open_page
    script_errors = [error for _context, errors in opened for error in errors]
    for context, _errors in opened:
        context.close()
    assert not script_errors, f"JavaScript errors in the page: {script_errors}"


@pytest.fixture
def page(new_page):
    """A page on a phone-sized screen."""
    return new_page("phone")


# Accessibility ---------------------------------------------------------------------------


def lose_the_first_script_reply(page, pattern: str) -> list[int]:
    """Let the first request the page's script sends (swap.js's header) reach the server, but
    not its reply; returns the list the server's status is put in."""
    lost: list[int] = []

    def lose(route) -> None:
        if route.request.headers.get("x-quizapp-next-page") and not lost:
            lost.append(route.fetch().status)  # the server stores it...
            route.abort()  # ...but the reply never reaches the page
        else:
            route.continue_()

    page.route(pattern, lose)
    return lost


def axe_violations(page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now. The page's
    context needs ``bypass_csp=True``: the app's CSP rightly refuses injected scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)", options
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"      at {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


class Axe:
    """Collect axe-core violations page by page, on a phone and a desktop screen (the same
    page resized, so CSS media queries apply); ``assert_clean`` reports them all at once."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, page, label: str) -> None:
        original = page.viewport_size
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            violations = axe_violations(page)
            if violations:
                self.found[f"{label} on a {name} screen ({page.url})"] = violations
        page.set_viewport_size(original)

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{label}:\n{describe_violations(violations)}"
            for label, violations in self.found.items()
        )
        if self.found:
            pytest.fail(f"axe-core found accessibility violations:\n{report}", pytrace=False)


@pytest.fixture
def axe() -> Axe:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run npm ci")
    return Axe()


# A learner driving the app -----------------------------------------------------------------


class Learner:
    """What a learner does in the browser, by roles and labels; reads the database to know
    the right answers."""

    def __init__(self, page, server: LiveServer, app):
        self.page, self.url, self.app = page, server.url, app

    def goto(self, path: str) -> None:
        self.page.goto(self.url + path)

    def open_seed_set(self) -> int:
        self.goto("/")
        self.page.get_by_role("link", name=SEED_TITLE).click()
        self.page.get_by_role("heading", name="Study this set").wait_for()
        return int(self.page.url.rstrip("/").rsplit("/", 1)[1])

    def start_quiz(self, mode: str = "practice") -> int:
        """Start a quiz on the seed set's page; returns the attempt id."""
        self.open_seed_set()
        self.page.get_by_label(re.compile(f"^{mode}", re.IGNORECASE)).check()
        self.page.get_by_role("button", name="Start quiz").click()
        self.page.wait_for_url(re.compile(r"/attempts/\d+/items/\d+$"))
        return self.attempt_id()

    def attempt_id(self) -> int:
        return int(re.search(r"/attempts/(\d+)", self.page.url).group(1))

    def current_item(self) -> Item:
        item_id = int(re.search(r"/items/(\d+)", self.page.url).group(1))
        with self.app.app_context():
            item = db.session.get(Item, item_id)
            db.session.expunge(item)
            return item

    def answer(self, right: bool = True) -> tuple[Item, Any]:
        """Answer the question on screen through its inputs and submit it; returns the item
        and the answer given."""
        item, page = self.current_item(), self.page
        if item.type in ("mcq", "true_false"):
            given = (
                item.answers[0] if right else next(c for c in item.choices if c not in item.answers)
            )
            page.get_by_role("radio", name=given, exact=True).check()
        elif item.type == "multi":
            given = (
                list(item.answers)
                if right
                else [c for c in item.choices if c not in item.answers][:1]
            )
            for choice in given:
                page.get_by_role("checkbox", name=choice, exact=True).check()
        elif item.type == "matching":
            rights = [right_ for _left, right_ in item.pairs]
            if not right:
                rights = rights[1:] + rights[:1]
            given = [[left, r] for (left, _r), r in zip(item.pairs, rights, strict=True)]
            for left, r in given:
                page.get_by_label(left, exact=True).select_option(label=r)
        else:
            given = item.answers[0] if right else "something else entirely"
            page.get_by_label("Your answer").fill(given)
        submit = page.get_by_role("button", name="Check answer")
        if page.locator("form[data-answer-in-place]").count():
            # The page's script posts it and swaps the reply in (answer.js); the marker goes
            # with the old page, whether swapped out or navigated away from.
            page.evaluate("() => { document.getElementById('content').dataset.answering = '1'; }")
            submit.click()
            page.wait_for_selector("#content:not([data-answering])", state="attached")
        else:
            with page.expect_navigation():
                submit.click()
        return item, given

    def attempt_item_id(self, attempt_id: int, item_type: str) -> int:
        """The first question of this type in the attempt (to open it by its address)."""
        with self.app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            types = dict(
                db.session.execute(
                    sa.select(Item.id, Item.type).where(Item.id.in_(attempt.item_ids))
                ).all()
            )
            return next(i for i in attempt.item_ids if types[i] == item_type)

    def tab_to(self, text: str, *, backwards: bool = False, limit: int = 80) -> None:
        """Press Tab (or Shift+Tab) until the focused element's text starts with ``text``."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focused = self.page.evaluate("() => document.activeElement.innerText || ''")
            if " ".join(focused.split()).startswith(text):
                return
        raise AssertionError(f"{limit} presses of Tab never reached {text!r}")

    def focused_text(self) -> str:
        return " ".join(self.page.evaluate("() => document.activeElement.innerText || ''").split())

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/auth/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_role("button", name="Sign out").wait_for()

    def create_account(self, username: str = "learner", password: str = "password123") -> int:
        with self.app.app_context():
            user = create_user(username, password)
            db.session.commit()
            return user.id


@pytest.fixture
def learner(page, live_server, live_app) -> Learner:
    return Learner(page, live_server, live_app)


@pytest.fixture
def learner_on(live_server, live_app):
    """A learner on a page of your choosing (e.g. a touch screen)."""
    return lambda page: Learner(page, live_server, live_app)
