"""quizapp's side of the LTI and embed tests: the app on a real port (CSRF on, as in
production), a small published set, and the OIDC login → launch flow over HTTP."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Container
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


def choose_in_deep_link(
    tool: ToolServer, lms: FakePlatform, set_id: int, session: requests.Session | None = None
) -> requests.Response:
    """An instructor's deep-linking launch, then picking ``set_id``: the tool signs its
    answer to the LMS with its private key."""
    from lti.platform_harness import INSTRUCTOR

    session = session or requests.Session()
    response = launch(tool, lms, session, message_type="LtiDeepLinkingRequest", roles=INSTRUCTOR)
    assert urlsplit(response.headers["Location"]).path == "/lti/deep-link", response.text
    return session.post(
        tool.url + "/lti/deep-link",
        data={"t": pass_token(response.headers["Location"]), "set_id": set_id},
        headers={"Origin": tool.url},
    )


def deep_link_claims(tool: ToolServer, lms: FakePlatform, html: str) -> dict[str, Any]:
    """The signed deep-linking response in the page, verified against the tool's JWKS."""
    import jwt
    from jwt import PyJWKClient

    signed = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    key = PyJWKClient(tool.url + "/lti/jwks").get_signing_key_from_jwt(signed)
    claims = jwt.decode(signed, key.key, algorithms=["RS256"], audience=lms.issuer)
    claims["kid"] = jwt.get_unverified_header(signed)["kid"]
    return claims


def take_quiz(
    tool: ToolServer, session: requests.Session, location: str, wrong: Container[int] = frozenset()
) -> int:
    """Start the embedded quiz from the landing page and answer every question."""
    token = pass_token(location)
    set_id = int(re.search(r"/embed/sets/(\d+)", location).group(1))
    response = session.post(
        f"{tool.url}/embed/sets/{set_id}/quiz", data={"t": token}, headers={"Origin": tool.url}
    )
    while True:
        assert response.status_code == 200, response.text
        form = re.search(r'action="(/embed/attempts/(\d+)/items/\d+)"', response.text)
        if form is None:
            break
        number = int(re.search(r"Question (\d+):", response.text).group(1))
        answer = f"Wrong {number}" if number in wrong else f"Right {number}"
        token = re.search(r'name="t" value="([^"]+)"', response.text).group(1)
        response = session.post(
            tool.url + form.group(1), data={"t": token, "answer": answer},
            headers={"Origin": tool.url},
        )  # fmt: skip
        next_link = re.search(
            r'href="(/embed/attempts/\d+/(?:items/\d+|result)\?t=[^"]+)"', response.text
        )
        response = session.get(tool.url + next_link.group(1).replace("&amp;", "&"))
    assert "Your score" in response.text
    return int(re.search(r"/embed/attempts/(\d+)/result", response.url).group(1))


def run_worker(app: Any, *args: str) -> str:
    """One `flask worker --once` run; its output."""
    from quizapp.lti_cli import worker_command

    result = app.test_cli_runner().invoke(worker_command, ["--once", *args])
    assert result.exit_code == 0, result.output
    return result.output


def sync_roster_as(tool: ToolServer, lms: FakePlatform, set_id: int, sub: str) -> requests.Response:
    """Instructor ``sub`` launches into the set's link and asks for a roster sync (NRPS,
    with an access token got by a client assertion signed with the tool's key)."""
    from lti.platform_harness import INSTRUCTOR

    teacher = requests.Session()
    landed = launch(tool, lms, teacher, set_id=set_id, sub=sub, roles=INSTRUCTOR)
    link_id = int(re.search(r"/lti/links/(\d+)", landed.headers["Location"]).group(1))
    return teacher.post(
        f"{tool.url}/lti/links/{link_id}/sync-roster",
        data={"t": pass_token(landed.headers["Location"])}, headers={"Origin": tool.url},
    )  # fmt: skip
