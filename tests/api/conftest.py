"""API test helpers: token-holding clients, answers by item type, and a live HTTP server."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from quizapp.domain.grading import GAP
from quizapp.extensions import db
from quizapp.models import Attempt, Item

from support import REPO_ROOT

PASSWORD = "password123"


class Api:
    """A test client that sends ``Authorization: Bearer`` once it has a token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, **kwargs: Any):
        return self.client.get("/api/v1" + path, headers=self.headers(), **kwargs)

    def post(self, path: str, json: Any = None, *, key: str | None = None, **kwargs: Any):
        return self.client.post(
            "/api/v1" + path, json=json, headers=self.headers(key, **kwargs.pop("headers", {})),
            **kwargs,
        )  # fmt: skip

    def patch(self, path: str, json: Any = None):
        return self.client.patch("/api/v1" + path, json=json, headers=self.headers())

    def delete(self, path: str):
        return self.client.delete("/api/v1" + path, headers=self.headers())


def make_user(app: Flask, username: str, role: str = "learner") -> int:
    from quizapp.services.accounts import create_user

    with app.app_context():
        user = create_user(username, PASSWORD, role=role)
        db.session.commit()
        return user.id


def issue(app: Flask, username: str) -> str:
    """A token made directly by the service (no password hashing: fast)."""
    from quizapp.services import accounts, tokens

    with app.app_context():
        _token, raw = tokens.issue_token(accounts.find_user(username))
        db.session.commit()
        return raw


@pytest.fixture
def anon(client) -> Api:
    return Api(client)


@pytest.fixture
def learner(app, client) -> Api:
    make_user(app, "learner")
    return Api(client, issue(app, "learner"))


@pytest.fixture
def teacher(app) -> Api:
    make_user(app, "teacher", role="instructor")
    return Api(app.test_client(), issue(app, "teacher"))


@pytest.fixture
def other_teacher(app) -> Api:
    make_user(app, "other", role="instructor")
    return Api(app.test_client(), issue(app, "other"))


def load_item(app: Flask, item_id: int) -> Item:
    with app.app_context():
        item = db.session.get(Item, item_id)
        db.session.expunge(item)
        return item


def attempt_items(app: Flask, attempt_id: int) -> list[Item]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        items = [db.session.get(Item, item_id) for item_id in attempt.item_ids]
        db.session.expunge_all()
        return items


def right_answer(item: Item) -> Any:
    """The right answer in the API's shape for the item's type."""
    if item.type == "multi":
        return list(item.answers)
    if item.type == "matching":
        return [list(pair) for pair in item.pairs]
    if item.type == "cloze" and item.prompt.count(GAP) > 1:
        return list(item.answers)
    if item.type == "numerical" and not item.answers:
        return item.numeric[0]["value"]
    return item.answers[0]


def wrong_answer(item: Item) -> Any:
    if item.type in ("mcq", "true_false"):
        return next(c for c in item.choices if c not in item.answers)
    if item.type == "multi":
        return [c for c in item.choices if c not in item.answers][:1]
    if item.type == "matching":
        rights = [right for _left, right in item.pairs]
        return [[left, rights[(i + 1) % len(rights)]] for i, (left, _r) in enumerate(item.pairs)]
    if item.type == "cloze" and item.prompt.count(GAP) > 1:
        return ["nothing like it"] * item.prompt.count(GAP)
    return "nothing like it"


# --- a real HTTP server ---------------------------------------------------------------------


class LiveServer:
    """quizapp served by Werkzeug in a background thread, on a real port."""

    def __init__(self, app: Flask):
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
        self.server.server_close()


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request with urllib: (status, headers, raw body); HTTP errors are results too."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def live_app(app: Flask) -> Flask:
    """The test app (a SQLite file in WAL mode, or PostgreSQL) with the bundled sets loaded."""
    from quizapp.services.sets import load_bundled_sets

    with app.app_context():
        load_bundled_sets(REPO_ROOT / "question_banks")
        db.session.commit()
    return app


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server
