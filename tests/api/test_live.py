"""Over real HTTP: concurrent retries count once, and a learner's whole flow uses the API alone."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import CardState, IdempotentReply, Response, ReviewLog

from .conftest import PASSWORD, attempt_items, http, make_user, right_answer

THREADS = 8


def _token(server, username: str) -> str:
    status, _headers, body = http(
        "POST", f"{server.url}/api/v1/tokens", {"username": username, "password": PASSWORD}
    )
    assert status == 201, body
    return json.loads(body)["token"]


def _all_at_once(call: Callable[[], Any], n: int = THREADS) -> list[Any]:
    """Run ``call`` in ``n`` threads released together; returns their results."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_retries_of_an_answer_store_one_response(live_app, live_server):
    make_user(live_app, "ada")
    auth = {"Authorization": f"Bearer {_token(live_server, 'ada')}"}
    api = f"{live_server.url}/api/v1"
    status, _h, body = http("POST", f"{api}/sets/1/attempts", {"mode": "practice"}, auth)
    attempt = json.loads(body)
    item = attempt_items(live_app, attempt["attempt_id"])[0]
    payload = {"item_id": item.id, "answer": right_answer(item)}
    headers = auth | {"Idempotency-Key": str(uuid.uuid4())}

    results = _all_at_once(
        lambda: http("POST", f"{api}/attempts/{attempt['attempt_id']}/responses", payload, headers)
    )

    assert {status for status, _h, _b in results} == {200}
    bodies = {raw for _s, _h, raw in results}
    assert len(bodies) == 1, bodies
    assert json.loads(bodies.pop())["correct"] is True
    assert sum(h.get("Idempotent-Replayed") == "true" for _s, h, _b in results) == THREADS - 1
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(IdempotentReply.id))) == 1


def test_concurrent_answers_under_different_keys_still_count_once(live_app, live_server):
    make_user(live_app, "ada")
    auth = {"Authorization": f"Bearer {_token(live_server, 'ada')}"}
    api = f"{live_server.url}/api/v1"
    attempt = json.loads(http("POST", f"{api}/sets/1/attempts", {}, auth)[2])
    item = attempt_items(live_app, attempt["attempt_id"])[0]
    payload = {"item_id": item.id, "answer": right_answer(item)}
    url = f"{api}/attempts/{attempt['attempt_id']}/responses"

    results = _all_at_once(
        lambda: http("POST", url, payload, auth | {"Idempotency-Key": str(uuid.uuid4())})
    )

    assert sorted(status for status, _h, _b in results) == [200] + [409] * (THREADS - 1)
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_concurrent_retries_of_a_review_apply_once(live_app, live_server):
    make_user(live_app, "ada")
    auth = {"Authorization": f"Bearer {_token(live_server, 'ada')}"}
    api = f"{live_server.url}/api/v1"
    card = json.loads(http("GET", f"{api}/review/due?set_id=1&limit=1", None, auth)[2])["cards"][0]
    headers = auth | {"Idempotency-Key": "review-1"}

    results = _all_at_once(
        lambda: http("POST", f"{api}/review/{card['card_id']}", {"rating": 3}, headers)
    )

    assert {status for status, _h, _b in results} == {200}
    assert len({raw for _s, _h, raw in results}) == 1
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1
        assert db.session.scalar(sa.select(CardState.reps)) == 1


def test_a_learners_whole_flow_over_http(live_app, live_server):
    """Token, sets, attempt, responses, finish, due cards, reviews and progress: API only."""
    make_user(live_app, "ada")
    api = live_server.url + "/api/v1"

    def call(method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        status, response_headers, raw = http(method, api + path, body, headers)
        assert status < 300, (method, path, status, raw)
        assert response_headers["Content-Type"] == "application/json"
        return json.loads(raw)

    token = _token(live_server, "ada")
    (study_set,) = call("GET", "/sets")
    detail = call("GET", f"/sets/{study_set['id']}")
    assert len(detail["items"]) == study_set["item_count"]
    items = {item["id"]: item for item in detail["items"]}

    attempt = call("POST", f"/sets/{study_set['id']}/attempts", {"mode": "practice"})
    results = []
    for item_id in attempt["item_ids"][:5]:
        item = items[item_id]
        # Answer from what the API shows: the first choice, the pairs as listed, or a guess.
        if item["type"] == "matching":
            answer: Any = [
                [left, right] for left, right in zip(item["left"], item["right"], strict=False)
            ]
        elif item["type"] == "multi":
            answer = item["choices"][:1]
        elif item["type"] in ("mcq", "true_false"):
            answer = item["choices"][0]
        else:
            answer = "a guess"
        results.append(
            call("POST", f"/attempts/{attempt['attempt_id']}/responses",
                 {"item_id": item_id, "answer": answer}, key=str(uuid.uuid4()))
        )  # fmt: skip
    assert all(isinstance(r["correct"], bool) for r in results)
    finished = call("POST", f"/attempts/{attempt['attempt_id']}/finish")
    assert finished["score"] == sum(r["score"] for r in results)
    assert finished["max_score"] >= len(attempt["item_ids"])

    due = call("GET", f"/review/due?set_id={study_set['id']}&limit=3")["cards"]
    assert len(due) == 3
    for n, card in enumerate(due):
        reviewed = call("POST", f"/review/{card['card_id']}", {"rating": 3 + n % 2}, key=f"c{n}")
        assert reviewed["state"] in ("learning", "review")

    board = call("GET", "/me/progress")
    assert board["answered"] == 5 and board["reviewed"] == 3
    assert board["sets"][0]["set_id"] == study_set["id"]
    assert call("GET", "/review/due")["cards"]  # the started set keeps serving cards
