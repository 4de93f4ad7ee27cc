"""Plain-iframe embedding: cookie-free passes, CSRF without cookies, framing rules, the
snippet, and grade passback enqueued with the finish."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from lti.tool_harness import make_set

from quizapp.extensions import db
from quizapp.models import Attempt, CardState, Job, Response, StudySet, User

HOST = "https://school.example.edu"


@pytest.fixture
def embed_app(lti_app):
    lti_app.config["EMBED_ALLOWED_ORIGINS"] = [HOST]
    return lti_app


@pytest.fixture
def client(embed_app):
    """A browser inside a frame whose cookies are blocked: it never sends any back."""
    return embed_app.test_client(use_cookies=False)


def token_in(html: str) -> str:
    return re.search(r'name="t" value="([^"]+)"', html).group(1)


def t_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["t"][0]


def start(client, set_id: int):
    page = client.get(f"/embed/sets/{set_id}/quiz")
    assert page.status_code == 200
    return client.post(
        f"/embed/sets/{set_id}/quiz", data={"t": token_in(page.get_data(as_text=True))}
    )


def test_anonymous_quiz_without_cookies_stores_the_answer(client, embed_app):
    set_id = make_set(embed_app)
    started = start(client, set_id)
    assert started.status_code in (302, 303)
    question = client.get(client.get(started.headers["Location"]).headers["Location"])
    html = question.get_data(as_text=True)
    assert "Question 0" in html and "Finish now" in html
    assert "Sign in" not in html and "Study sets" not in html  # no navigation out of the set
    action = re.search(r'action="(/embed/attempts/\d+/items/\d+)"', html).group(1)
    answered = client.post(action, data={"t": token_in(html), "answer": "Right 0"})
    assert answered.status_code in (302, 303)
    feedback = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "✔ Correct" in feedback and "Because of reason 0." in feedback
    with embed_app.app_context():
        (response,) = db.session.scalars(sa.select(Response))
        assert (response.answer, response.correct) == ("Right 0", True)
        guest = db.session.get(User, response.user_id)
        assert guest.is_guest


def test_embed_forms_need_the_pass_and_a_same_site_post(client, embed_app):
    set_id = make_set(embed_app)
    assert client.post(f"/embed/sets/{set_id}/quiz").status_code == 400
    token = token_in(client.get(f"/embed/sets/{set_id}/quiz").get_data(as_text=True))
    forged = client.post(
        f"/embed/sets/{set_id}/quiz", data={"t": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )  # fmt: skip
    assert forged.status_code == 403 and "another site" in forged.get_data(as_text=True)
    tampered = client.post(f"/embed/sets/{set_id}/quiz", data={"t": token[:-2] + "xx"})
    assert tampered.status_code == 403 and "not issued by quizapp" in tampered.get_data(
        as_text=True
    )
    other_set = make_set(embed_app, "Other")
    replayed = client.post(f"/embed/sets/{other_set}/quiz", data={"t": token})
    assert replayed.status_code == 403 and "another study set" in replayed.get_data(as_text=True)
    same_site = client.post(
        f"/embed/sets/{set_id}/quiz", data={"t": token}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same_site.status_code in (302, 303)
    with embed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_expired_pass_is_a_clear_400(client, embed_app):
    set_id = make_set(embed_app)
    token = token_in(client.get(f"/embed/sets/{set_id}/quiz").get_data(as_text=True))
    embed_app.config["EMBED_TOKEN_MAX_AGE_SECONDS"] = -1
    expired = client.post(f"/embed/sets/{set_id}/quiz", data={"t": token})
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)


def test_someone_elses_attempt_is_not_found(client, embed_app):
    set_id = make_set(embed_app)
    mine = start(client, set_id).headers["Location"]
    theirs = start(client, set_id).headers["Location"]
    their_id = re.search(r"/attempts/(\d+)", theirs).group(1)
    response = client.get(f"/embed/attempts/{their_id}?t={t_of(mine)}")
    assert response.status_code == 404


def test_framing_is_limited_to_the_configured_origins(client, embed_app):
    set_id = make_set(embed_app)
    embed_csp = client.get(f"/embed/sets/{set_id}/quiz").headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {HOST}" in embed_csp
    app_csp = client.get("/").headers["Content-Security-Policy"]
    assert app_csp.endswith("frame-ancestors 'self'")
    embed_app.config["EMBED_ALLOWED_ORIGINS"] = [
        "https://ok.example",
        "https://x.example; script-src *",
    ]
    csp = client.get(f"/embed/sets/{set_id}/quiz").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://ok.example")  # no directive smuggled in


def test_unpublished_set_is_not_embeddable(client, embed_app):
    set_id = make_set(embed_app)
    with embed_app.app_context():
        db.session.get(StudySet, set_id).status = "draft"
        db.session.commit()
    response = client.get(f"/embed/sets/{set_id}/quiz")
    assert response.status_code == 404 and "not published" in response.get_data(as_text=True)


def test_flashcards_with_fsrs_ratings(client, embed_app):
    set_id = make_set(embed_app, cards=2)
    page = client.get(f"/embed/sets/{set_id}/flashcards").get_data(as_text=True)
    assert "Card 0" in page
    action = re.search(r'action="(/embed/sets/\d+/flashcards/\d+)"', page).group(1)
    rated = client.post(action, data={"t": token_in(page), "rating": "3", "reps": "0"})
    assert rated.status_code in (302, 303)
    next_page = client.get(rated.headers["Location"]).get_data(as_text=True)
    assert "Card 1" in next_page and "Due today" in next_page
    with embed_app.app_context():
        state = db.session.scalar(sa.select(CardState))
        assert state.reps == 1 and state.last_review is not None


def test_a_guest_is_remembered_by_a_frame_cookie_where_cookies_work(embed_app):
    set_id = make_set(embed_app)
    browser = embed_app.test_client()  # cookies allowed here
    started = start(browser, set_id)
    page = browser.get(started.headers["Location"], follow_redirects=True)
    assert "Question 0" in page.get_data(as_text=True)
    cookie = browser.get_cookie("quizapp_embed_learner")
    assert cookie is not None and cookie.http_only
    resumed = browser.get(f"/embed/sets/{set_id}/quiz")  # no pass: the cookie names the guest
    assert resumed.status_code in (302, 303) and "/embed/attempts/" in resumed.headers["Location"]


def test_frame_cookie_is_partitioned_over_https(embed_app):
    set_id = make_set(embed_app)
    browser = embed_app.test_client()
    token = token_in(browser.get(f"/embed/sets/{set_id}/quiz").get_data(as_text=True))
    started = browser.post(
        f"/embed/sets/{set_id}/quiz", data={"t": token}, base_url="https://quiz.example.edu"
    )
    page = browser.get(started.headers["Location"], base_url="https://quiz.example.edu",
                       follow_redirects=True)  # fmt: skip
    cookie = next(
        header for header in page.headers.getlist("Set-Cookie")
        if header.startswith("quizapp_embed_learner=")
    )  # fmt: skip
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie


def test_finish_enqueues_grade_passback_only_for_lms_attempts(embed_app):
    from quizapp.services import embed, lti_ags

    set_id = make_set(embed_app, questions=1)
    with embed_app.app_context():
        study_set = db.session.get(StudySet, set_id)
        plain, _ = embed.start_quiz(embed.EmbedPass(set_id=set_id), study_set)
        embed.finish_quiz(plain)
        assert lti_ags.on_attempt_finished(plain) is None
        assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_snippet_for_instructors(embed_app):
    from quizapp.services.accounts import create_user

    set_id = make_set(embed_app)
    with embed_app.app_context():
        create_user("teacher", "password123", role="instructor")
        create_user("pupil", "password123")
        db.session.commit()

    def signed_in(name: str):
        browser = embed_app.test_client()
        page = browser.get("/auth/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        browser.post(
            "/auth/login", data={"username": name, "password": "password123", "csrf_token": csrf}
        )
        return browser

    assert embed_app.test_client().get(f"/embed/sets/{set_id}/snippet").status_code in (302, 303)
    assert signed_in("pupil").get(f"/embed/sets/{set_id}/snippet").status_code == 403
    html = signed_in("teacher").get(f"/embed/sets/{set_id}/snippet").get_data(as_text=True)
    assert f'&lt;iframe src="http://localhost/embed/sets/{set_id}/quiz"' in html
    assert f"/embed/sets/{set_id}/flashcards" in html
