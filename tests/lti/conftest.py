"""LTI and embed fixtures: quizapp served on a real port, a fake LMS registered with it
(tests/lti/platform_harness.py) and a small published set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lti.platform_harness import FakePlatform
from lti.tool_harness import ToolServer, make_app, make_set

from quizapp.extensions import db


@pytest.fixture
def lti_app(tmp_path: Path) -> Iterator[Any]:
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def study_set(lti_app: Any) -> int:
    return make_set(lti_app)


@pytest.fixture
def tool(lti_app: Any) -> Iterator[ToolServer]:
    with ToolServer(lti_app) as server:
        yield server


@pytest.fixture
def platform(lti_app: Any, tool: ToolServer) -> Iterator[FakePlatform]:
    with FakePlatform() as lms:
        lms.tool_jwks_url = tool.url + "/lti/jwks"
        lms.tool_launch_url = tool.url + "/lti/launch"
        lms.register_with(lti_app)
        yield lms
        assert not lms.errors, lms.errors
