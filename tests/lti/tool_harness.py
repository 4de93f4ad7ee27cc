"""quizapp's side of the LTI and embed tests: the app on a real port (CSRF on, as in
production), a small published set, and the OIDC login → launch flow over HTTP."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from lti.platform_harness import FakePlatform
from werkzeug.serving import make_server

from quizapp import create_app
from quizapp.extensions import db


class ToolServer:
    """quizapp in a background thread on a real port."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ToolServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def make_app(tmp_path: Path, **config: Any) -> Any:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "lti-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lti.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "LTI_HTTP_TIMEOUT_SECONDS": 5,
            **config,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


def make_set(app: Any, title: str = "Cell biology", questions: int = 3, cards: int = 2) -> int:
    """A published set of multiple-choice questions and flashcards."""
    from quizapp.models import Item, StudySet

    with app.app_context():
        study_set = StudySet(title=title, status="published")
        for n in range(questions):
            study_set.items.append(
                Item(
                    uid=f"q{n}",
                    type="mcq",
                    status="published",
                    position=n,
                    prompt=f"Question {n}: which organelle is number {n}?",
                    choices=[f"Right {n}", f"Wrong {n}", f"Other {n}"],
                    answers=[f"Right {n}"],
                    explanation=f"Because of reason {n}.",
                )  # fmt: skip
            )
        for n in range(cards):
            study_set.items.append(
                Item(
                    uid=f"c{n}",
                    type="flashcard",
                    status="published",
                    position=10 + n,
                    prompt=f"Card {n}",
                    back=f"Back {n}",
                )  # fmt: skip
            )
        db.session.add(study_set)
        db.session.commit()
        return study_set.id


@dataclass
class Login:
    """What the tool's login page told the browser."""

    response: requests.Response
    data: dict[str, Any]

    @property
    def state(self) -> str:
        return self.data["state"]

    @property
    def nonce(self) -> str:
        return self.data["nonce"]

    @property
    def auth_query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.data["authUrl"]).query).items()}


def page_data(html: str, element_id: str) -> dict[str, Any]:
    match = re.search(rf'id="{element_id}">(.*?)</script>', html, re.S)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def login(tool: ToolServer, lms: FakePlatform, session: requests.Session, **extra: str) -> Login:
    response = session.get(
        tool.url + "/lti/login", params=lms.login_params(tool.url + "/lti/launch", **extra)
    )
    assert response.status_code == 200, response.text
    return Login(response, page_data(response.text, "lti-login-data"))


def launch(
    tool: ToolServer,
    lms: FakePlatform,
    session: requests.Session | None = None,
    *,
    token: str | None = None,
    **claims: Any,
) -> requests.Response:
    """Login initiation, then the platform's form post of a signed id_token (not followed)."""
    session = session or requests.Session()
    start = login(tool, lms, session)
    token = token or lms.id_token(nonce=start.nonce, **claims)
    return session.post(
        tool.url + "/lti/launch",
        data={"id_token": token, "state": start.state},
        allow_redirects=False,
        headers={"Origin": lms.url},
    )


def pass_token(location: str) -> str:
    """The signed embed pass in a redirect URL."""
    return parse_qs(urlsplit(location).query)["t"][0]
