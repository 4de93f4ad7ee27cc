"""Learner operations over the API: sets without answers, attempts, answers, cards, progress."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    CardState,
    IdempotentReply,
    Item,
    Response,
    ReviewLog,
    StudySet,
    User,
    utcnow,
)

from .conftest import Api, attempt_items, issue, load_item, make_user, right_answer, wrong_answer

KEY_LEAKS = ("answers", "weights", "feedback", "pairs", "back", "explanation", "numeric")


def _user_id(username: str) -> int:
    return db.session.scalar(sa.select(User.id).where(User.username == username))


def _start(api: Api, set_id: int, mode: str = "practice") -> dict:
    response = api.post(f"/sets/{set_id}/attempts", {"mode": mode})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _answer(api: Api, attempt_id: int, item_id: int, answer, key: str):
    return api.post(
        f"/attempts/{attempt_id}/responses", {"item_id": item_id, "answer": answer}, key=key
    )


def test_sets_lists_published_sets_with_published_item_counts(app, learner, seeded):
    with app.app_context():
        db.session.add(StudySet(title="Hidden draft"))
        item = db.session.scalars(sa.select(Item).where(Item.set_id == seeded)).first()
        item.status = "dropped"
        published = db.session.scalar(
            sa.select(sa.func.count(Item.id)).where(
                Item.set_id == seeded, Item.status == "published"
            )
        )
        db.session.commit()
    body = learner.get("/sets").get_json()
    assert [s["id"] for s in body] == [seeded]
    assert body[0]["item_count"] == published
    assert set(body[0]) == {"id", "title", "description", "item_count"}


def test_a_set_comes_without_its_answer_key(app, learner, seeded):
    body = learner.get(f"/sets/{seeded}").get_json()
    assert body["id"] == seeded and body["item_count"] == len(body["items"])
    by_type = {item["type"]: item for item in body["items"]}
    assert {"flashcard", "mcq", "true_false", "cloze", "matching", "multi"} <= set(by_type)
    for item in body["items"]:
        assert not set(item) & set(KEY_LEAKS), item
    matching = by_type["matching"]
    stored = load_item(app, matching["id"])
    assert matching["left"] == [left for left, _right in stored.pairs]
    assert matching["right"] == sorted({right for _left, right in stored.pairs})
    assert "_____" in by_type["cloze"]["prompt"] and by_type["cloze"]["gaps"] >= 1
    assert by_type["mcq"]["choices"] == load_item(app, by_type["mcq"]["id"]).choices


def test_unknown_and_draft_sets_are_404(app, learner, teacher):
    with app.app_context():
        draft = StudySet(title="Draft", owner_id=_user_id("teacher"))
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    assert learner.get(f"/sets/{draft_id}").status_code == 404
    assert learner.get("/sets/99999").status_code == 404
    assert teacher.get(f"/sets/{draft_id}").status_code == 200  # the owner sees it
    assert learner.post(f"/sets/{draft_id}/attempts", {}).status_code == 404


def test_practice_attempt_answers_are_graded_with_explanations(app, learner, seeded):
    started = _start(learner, seeded)
    assert started["mode"] == "practice" and started["deadline"] is None
    items = attempt_items(app, started["attempt_id"])
    assert [i.id for i in items] == started["item_ids"]
    scores = []
    for n, item in enumerate(items[:6]):
        given = right_answer(item) if n % 2 == 0 else wrong_answer(item)
        response = _answer(learner, started["attempt_id"], item.id, given, key=f"k{n}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["correct"] is (n % 2 == 0), (item.type, given, body)
        assert body["explanation"] == (item.explanation or "")
        scores.append(body["score"])
    finished = learner.post(f"/attempts/{started['attempt_id']}/finish")
    assert finished.status_code == 200
    result = finished.get_json()
    assert result["score"] == pytest.approx(sum(scores))
    assert result["max_score"] == pytest.approx(sum(i.points for i in items))
    assert [r["item_id"] for r in result["responses"]] == [i.id for i in items[:6]]
    again = learner.post(f"/attempts/{started['attempt_id']}/finish").get_json()
    assert again["score"] == result["score"] and again["finished_at"] == result["finished_at"]


def test_answers_take_every_shape(app, learner, seeded):
    started = _start(learner, seeded)
    seen = set()
    for item in attempt_items(app, started["attempt_id"]):
        if item.type in seen:
            continue
        seen.add(item.type)
        body = _answer(learner, started["attempt_id"], item.id, right_answer(item), item.type).json
        assert body["correct"] is True and body["score"] == body["max_score"], item.type
    assert {"mcq", "multi", "matching", "cloze", "true_false"} <= seen


def test_test_mode_keeps_explanations_until_the_end(app, learner, seeded):
    started = _start(learner, seeded, "test")
    item = attempt_items(app, started["attempt_id"])[0]
    body = _answer(learner, started["attempt_id"], item.id, right_answer(item), "t1").get_json()
    assert body["correct"] is True and body["explanation"] == ""
    result = learner.post(f"/attempts/{started['attempt_id']}/finish").get_json()
    assert result["responses"][0]["explanation"] == (item.explanation or "")


def test_a_repeated_key_replays_the_first_reply_and_stores_nothing(app, learner, seeded):
    started = _start(learner, seeded)
    item = attempt_items(app, started["attempt_id"])[0]
    first = _answer(learner, started["attempt_id"], item.id, right_answer(item), "same")
    again = _answer(learner, started["attempt_id"], item.id, right_answer(item), "same")
    assert again.status_code == first.status_code == 200
    assert again.data == first.data
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(IdempotentReply.id))) == 1
        stored = db.session.scalar(sa.select(Response))
        assert stored.idempotency_key == "same"


def test_a_retry_after_the_attempt_ended_still_gets_its_reply(app, learner, seeded):
    started = _start(learner, seeded)
    item = attempt_items(app, started["attempt_id"])[0]
    first = _answer(learner, started["attempt_id"], item.id, right_answer(item), "before-end")
    learner.post(f"/attempts/{started['attempt_id']}/finish")
    retry = _answer(learner, started["attempt_id"], item.id, right_answer(item), "before-end")
    assert retry.status_code == 200 and retry.data == first.data


def test_a_reused_key_with_another_body_is_422(app, learner, seeded):
    started = _start(learner, seeded)
    item = attempt_items(app, started["attempt_id"])[0]
    _answer(learner, started["attempt_id"], item.id, right_answer(item), "k")
    reused = _answer(learner, started["attempt_id"], item.id, wrong_answer(item), "k")
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert reused.get_json()["error"]["field"] == "Idempotency-Key"


def test_keys_belong_to_their_user(app, learner, seeded):
    make_user(app, "bob")
    bob = Api(app.test_client(), issue(app, "bob"))
    mine, theirs = _start(learner, seeded), _start(bob, seeded)
    item = attempt_items(app, mine["attempt_id"])[0]
    assert _answer(learner, mine["attempt_id"], item.id, "x", "shared").status_code == 200
    assert _answer(bob, theirs["attempt_id"], item.id, "x", "shared").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 2


def test_an_item_answered_under_another_key_is_409(app, learner, seeded):
    started = _start(learner, seeded)
    item = attempt_items(app, started["attempt_id"])[0]
    _answer(learner, started["attempt_id"], item.id, right_answer(item), "one")
    second = _answer(learner, started["attempt_id"], item.id, right_answer(item), "two")
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_answered"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "idempotency_key_required"),
        ({"Idempotency-Key": "has space"}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "x" * 65}, "invalid_idempotency_key"),
    ],
)
def test_answers_need_a_well_formed_key(app, learner, seeded, headers, code):
    started = _start(learner, seeded)
    item_id = started["item_ids"][0]
    response = learner.post(
        f"/attempts/{started['attempt_id']}/responses",
        {"item_id": item_id, "answer": "x"},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": code,
        "message": response.get_json()["error"]["message"],
        "field": "Idempotency-Key",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"answer": "x"}, "item_id"),
        ({"item_id": "1", "answer": "x"}, "item_id"),
        ({"item_id": True, "answer": "x"}, "item_id"),
        ({"item_id": 999999}, "answer"),
        ({"item_id": 999999, "answer": {"a": 1}}, "answer"),
        ({"item_id": 999999, "answer": [1, 2]}, "answer"),
        ({"item_id": 999999, "answer": None}, "answer"),
        ({"item_id": 999999, "answer": "x"}, "item_id"),  # not in the attempt
    ],
)
def test_bad_answer_fields_are_422_naming_the_field(learner, seeded, payload, field):
    started = _start(learner, seeded)
    response = learner.post(f"/attempts/{started['attempt_id']}/responses", payload, key="k")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_an_answer_of_the_wrong_shape_for_its_type_is_422(app, learner, seeded):
    started = _start(learner, seeded)
    item = next(i for i in attempt_items(app, started["attempt_id"]) if i.type == "matching")
    response = _answer(learner, started["attempt_id"], item.id, "just text", "k")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "answer_rejected"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IdempotentReply.id))) == 0


def test_finished_attempts_take_no_answers(app, learner, seeded):
    started = _start(learner, seeded)
    learner.post(f"/attempts/{started['attempt_id']}/finish")
    response = _answer(learner, started["attempt_id"], started["item_ids"][0], "x", "late")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "attempt_finished"


def test_answers_after_the_time_limit_finish_the_attempt(app, learner, seeded):
    with app.app_context():
        db.session.get(StudySet, seeded).test_time_limit_s = 60
        db.session.commit()
    started = _start(learner, seeded, "test")
    assert started["deadline"] is not None
    with app.app_context():
        attempt = db.session.get(Attempt, started["attempt_id"])
        attempt.started_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    response = _answer(learner, started["attempt_id"], started["item_ids"][0], "x", "late")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "time_up"
    with app.app_context():
        assert db.session.get(Attempt, started["attempt_id"]).finished_at is not None
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_test_attempts_run_out(app, learner, seeded):
    with app.app_context():
        db.session.get(StudySet, seeded).test_max_attempts = 1
        db.session.commit()
    _start(learner, seeded, "test")
    refused = learner.post(f"/sets/{seeded}/attempts", {"mode": "test"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "cannot_start"


def test_start_attempt_validates_mode_and_accepts_an_empty_body(learner, seeded):
    assert learner.post(f"/sets/{seeded}/attempts").status_code == 201
    bad = learner.post(f"/sets/{seeded}/attempts", {"mode": "exam"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "mode"


def test_start_attempt_with_a_key_starts_one_attempt(app, learner, seeded):
    first = learner.post(f"/sets/{seeded}/attempts", {"mode": "test"}, key="start-1")
    again = learner.post(f"/sets/{seeded}/attempts", {"mode": "test"}, key="start-1")
    assert first.status_code == again.status_code == 201 and first.data == again.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_other_peoples_attempts_are_404(app, learner, seeded):
    make_user(app, "bob")
    bob = Api(app.test_client(), issue(app, "bob"))
    theirs = _start(bob, seeded)
    item_id = theirs["item_ids"][0]
    answer = _answer(learner, theirs["attempt_id"], item_id, "x", "k")
    assert answer.status_code == 404
    assert learner.post(f"/attempts/{theirs['attempt_id']}/finish").status_code == 404
    with app.app_context():
        assert db.session.get(Attempt, theirs["attempt_id"]).finished_at is None


# --- flashcards -----------------------------------------------------------------------------


def test_due_cards_then_reviews(app, learner, seeded):
    due = learner.get(f"/review/due?set_id={seeded}&limit=5")
    assert due.status_code == 200
    cards = due.get_json()["cards"]
    assert len(cards) == 5 and {c["state"] for c in cards} == {"new"}
    card = cards[0]
    item = load_item(app, card["card_id"])
    assert item.type == "flashcard" and card["prompt"] == item.prompt and card["back"]
    reviewed = learner.post(f"/review/{card['card_id']}", {"rating": 3}, key="r1")
    assert reviewed.status_code == 200
    body = reviewed.get_json()
    assert body["state"] == "learning" and body["card_id"] == card["card_id"] and body["reps"] == 1
    assert body["due"].endswith("Z")
    repeat = learner.post(f"/review/{card['card_id']}", {"rating": 3}, key="r1")
    assert repeat.data == reviewed.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLog.id))) == 1
        assert db.session.scalar(sa.select(CardState.reps)) == 1
        assert db.session.scalar(sa.select(ReviewLog.idempotency_key)).endswith(":r1")
    # The card is now learning and due later; new cards keep coming.
    after = learner.get(f"/review/due?set_id={seeded}&limit=5").get_json()["cards"]
    assert card["card_id"] not in [c["card_id"] for c in after]
    # Without a set, new cards come from started sets.
    assert learner.get("/review/due").get_json()["cards"]


def test_due_cards_come_before_new_ones_and_respect_the_daily_limit(app, learner, seeded):
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "learner")).daily_new_limit = 2
        db.session.commit()
    cards = learner.get(f"/review/due?set_id={seeded}").get_json()["cards"]
    assert len(cards) == 2
    learner.post(f"/review/{cards[0]['card_id']}", {"rating": 1}, key="again")
    with app.app_context():
        db.session.scalar(sa.select(CardState)).due = utcnow() - timedelta(minutes=1)
        db.session.commit()
    after = learner.get(f"/review/due?set_id={seeded}").get_json()["cards"]
    assert after[0]["card_id"] == cards[0]["card_id"] and after[0]["state"] == "learning"
    assert [c["state"] for c in after] == ["learning", "new"]  # one new card left today


def test_easy_cards_move_to_review(learner, seeded):
    card = learner.get(f"/review/due?set_id={seeded}&limit=1").get_json()["cards"][0]
    body = learner.post(f"/review/{card['card_id']}", {"rating": 4}, key="easy").get_json()
    assert body["state"] == "review"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 5}, "rating"),
        ({"rating": "3"}, "rating"),
        ({"rating": 3, "duration_ms": -1}, "duration_ms"),
    ],
)
def test_review_validates_the_rating(learner, seeded, payload, field):
    card = learner.get(f"/review/due?set_id={seeded}&limit=1").get_json()["cards"][0]
    response = learner.post(f"/review/{card['card_id']}", payload, key="k")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_only_published_flashcards_can_be_reviewed(app, learner, seeded):
    with app.app_context():
        mcq = db.session.scalar(sa.select(Item.id).where(Item.type == "mcq"))
    assert learner.post(f"/review/{mcq}", {"rating": 3}, key="k").status_code == 404
    assert learner.post("/review/999999", {"rating": 3}, key="k").status_code == 404


def test_cards_of_other_peoples_drafts_are_404(app, learner, teacher):
    with app.app_context():
        draft = StudySet(title="Teacher's draft", owner_id=_user_id("teacher"))
        card = Item(uid="c1", type="flashcard", prompt="Front", back="Back", status="published")
        draft.items.append(card)
        db.session.add(draft)
        db.session.commit()
        card_id, draft_id = card.id, draft.id
    assert learner.post(f"/review/{card_id}", {"rating": 3}, key="k").status_code == 404
    assert learner.get(f"/review/due?set_id={draft_id}").status_code == 404
    assert teacher.post(f"/review/{card_id}", {"rating": 3}, key="k").status_code == 200


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "limit=", "set_id=-1", "set_id=1.5", "set_id="]
)
def test_due_query_parameters_are_checked(learner, seeded, query):
    response = learner.get(f"/review/due?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == query.split("=")[0]


def test_due_cards_of_an_unknown_set_are_404(learner, seeded):
    assert learner.get("/review/due?set_id=424242").status_code == 404


def test_progress_has_the_dashboard_numbers(app, learner, seeded):
    started = _start(learner, seeded)
    item = attempt_items(app, started["attempt_id"])[0]
    _answer(learner, started["attempt_id"], item.id, right_answer(item), "p1")
    card = learner.get(f"/review/due?set_id={seeded}&limit=1").get_json()["cards"][0]
    learner.post(f"/review/{card['card_id']}", {"rating": 3}, key="p2")
    body = learner.get("/me/progress").get_json()
    assert body["answered"] == 1 and body["reviewed"] == 1 and body["streak"] == 1
    assert len(body["forecast"]) == 7 and len(body["history"]) == 30
    assert body["history"][-1]["count"] == 2
    (entry,) = body["sets"]
    assert entry["set_id"] == seeded
    assert entry["mastery"]["items_right_latest"] == 1
    assert sum(v["total"] for v in entry["accuracy"].values()) == 1
