"""Every route × every role × the objects in its URL: nobody reads or changes what is not theirs.

The world: an instructor owns a published set P, a draft set D, a class C and a pending
upload U; a learner in C has an attempt A on P. Each row of ROUTES names a route, the URL to
call, and the policy that says what each role must get:

- ok: the page (200, or a redirect that is not to the login page)
- login: a redirect to the login page
- 403 / 404: refused (404 where even the object's existence is not the caller's business)

A test also checks that every route of the HTML blueprints is in the table, so a new route
cannot be added without deciding who may use it; and that every state-changing route refuses a
POST without a CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import (
    Attempt,
    Course,
    Item,
    LtiPlatform,
    LtiResourceLink,
    PendingImport,
    StudySet,
    User,
)
from quizapp.services import accounts, banks, classes, sets, study

from support import SEED_ARTICLE, csrf_token_from

ROLES = ("anonymous", "learner", "other_learner", "instructor", "other_instructor", "admin")
PASSWORD = "password-123"

# Policies: what each role gets, in ROLES order.
PUBLIC = ("ok",) * 6
SIGNED_IN = ("login", "ok", "ok", "ok", "ok", "ok")
OWN_ATTEMPT = ("404", "ok", "404", "404", "404", "404")
TEACHING = ("login", "403", "403", "ok", "ok", "ok")
OWN_SET = ("login", "403", "403", "ok", "404", "ok")
OWN_UPLOAD = ("login", "403", "403", "ok", "404", "404")
DRAFT_SET = ("404", "404", "404", "ok", "404", "ok")
NOBODY = ("404",) * 6
NO_PASS = ("400",) * 6  # embed writes without the signed pass are refused for everyone
ADMIN_ONLY = ("login", "403", "403", "403", "403", "ok")
COURSE_TEACHER = ("403", "403", "403", "ok", "403", "ok")
COURSE_TEACHER_POST = ("403", "403", "403", "400", "403", "400")  # 400: form incomplete


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: str
    policy: tuple[str, ...]
    data: dict | None = None


ROUTES = [
    Route("main.index", "GET", "/", PUBLIC),
    Route("main.healthz", "GET", "/healthz", PUBLIC),
    Route("auth.login", "GET", "/auth/login", PUBLIC),
    Route("auth.register", "GET", "/auth/register", PUBLIC),
    Route("auth.account", "GET", "/auth/account", SIGNED_IN),
    Route("auth.api_tokens", "GET", "/auth/tokens", SIGNED_IN),
    Route("study.dashboard", "GET", "/me/progress", SIGNED_IN),
    Route("study.export_progress", "GET", "/me/progress.csv", SIGNED_IN),
    Route("study.my_classes", "GET", "/me/classes", SIGNED_IN),
    Route("study.study_now", "GET", "/study", SIGNED_IN),
    Route("study.join", "GET", "/join", PUBLIC),
    Route("study.join_link", "GET", "/join/{code}", PUBLIC),
    Route("study.set_page", "GET", "/sets/{P}", PUBLIC),
    Route("study.set_page", "GET", "/sets/{D}", DRAFT_SET),
    Route("study.article", "GET", "/sets/{P}/article", PUBLIC),
    Route("study.flashcards", "GET", "/sets/{P}/flashcards", PUBLIC),
    Route("study.flashcards", "GET", "/sets/{D}/flashcards", DRAFT_SET),
    Route("study.cram", "GET", "/sets/{P}/cram", PUBLIC),
    Route("study.match", "GET", "/sets/{P}/match", PUBLIC),
    Route("study.match", "GET", "/sets/{D}/match", DRAFT_SET),
    Route("study.attempt", "GET", "/attempts/{A}", OWN_ATTEMPT),
    Route("study.question", "GET", "/attempts/{A}/items/{A_item}", OWN_ATTEMPT),
    Route("study.question", "POST", "/attempts/{A}/items/{A_item}", OWN_ATTEMPT, {"answer": "x"}),
    Route("study.result", "GET", "/attempts/{A}/result", OWN_ATTEMPT),
    Route("study.finish", "POST", "/attempts/{A}/finish", OWN_ATTEMPT),
    Route("study.start_attempt", "POST", "/sets/{D}/attempts", DRAFT_SET, {"mode": "practice"}),
    Route(
        "study.review",
        "POST",
        "/sets/{D}/flashcards/{D_card}",
        NOBODY,  # drafts cannot be studied, not even by their owner
        {"rating": "3", "reps": "0"},
    ),
    Route(
        "study.cram_review",
        "POST",
        "/sets/{D}/cram/{D_card}",
        NOBODY,
        {"rating": "3", "reps": "0"},
    ),
    Route("study.match_done", "POST", "/sets/{D}/match", DRAFT_SET, {"elapsed_ms": "90000"}),
    Route("study.review_mistakes", "POST", "/sets/{D}/mistakes", DRAFT_SET),
    Route(
        "study.study_now_review",
        "POST",
        "/study/{D_card}",
        ("login", "404", "404", "404", "404", "404"),
        {"rating": "3", "reps": "0"},
    ),
    Route("instructor.my_sets", "GET", "/teach/sets", TEACHING),
    Route("instructor.new_set", "GET", "/teach/sets/new", TEACHING),
    Route("instructor.new_empty_set", "GET", "/teach/sets/new-empty", TEACHING),
    Route("instructor.import_bank", "GET", "/teach/banks/import", TEACHING),
    Route("instructor.courses", "GET", "/teach/classes", TEACHING),
    Route("instructor.confirm_import", "GET", "/teach/banks/import/{U}", OWN_UPLOAD),
    Route("instructor.confirm_import", "POST", "/teach/banks/import/{U}", OWN_UPLOAD),
    Route("instructor.review", "GET", "/teach/sets/{P}", OWN_SET),
    Route("instructor.analysis", "GET", "/teach/sets/{P}/analysis", OWN_SET),
    Route("instructor.essays", "GET", "/teach/sets/{P}/essays", OWN_SET),
    Route("instructor.export_bank", "GET", "/teach/sets/{P}/export/json", OWN_SET),
    Route("instructor.new_item", "GET", "/teach/sets/{P}/items/new", OWN_SET),
    Route("instructor.edit_item", "GET", "/teach/sets/{P}/items/{P_item}/edit", OWN_SET),
    Route(
        "instructor.edit_item",
        "POST",
        "/teach/sets/{P}/items/{P_item}/edit",
        OWN_SET,
        {"type": "mcq", "prompt": ""},
    ),
    Route("instructor.item_action", "POST", "/teach/sets/{P}/items/{P_item}/drop", OWN_SET),
    Route("instructor.approve_all", "POST", "/teach/sets/{D}/approve-all", OWN_SET),
    Route("instructor.publish", "POST", "/teach/sets/{D}/publish", OWN_SET),
    Route("instructor.test_settings", "POST", "/teach/sets/{P}/settings", OWN_SET),
    Route("instructor.share", "POST", "/teach/sets/{P}/share", OWN_SET, {"username": "nobody"}),
    Route("instructor.course", "GET", "/teach/classes/{C}", OWN_SET),
    Route("instructor.course", "POST", "/teach/classes/{C}", OWN_SET, {"set_id": "{D}"}),
    Route("instructor.gradebook_csv", "GET", "/teach/classes/{C}/gradebook.csv", OWN_SET),
    # Embedding: published sets only; attempts and writes need the signed embed pass.
    Route("embed.set_home", "GET", "/embed/sets/{P}", PUBLIC),
    Route("embed.quiz", "GET", "/embed/sets/{P}/quiz", PUBLIC),
    Route("embed.quiz", "GET", "/embed/sets/{D}/quiz", NOBODY),
    Route("embed.flashcards", "GET", "/embed/sets/{P}/flashcards", PUBLIC),
    Route("embed.flashcards", "GET", "/embed/sets/{D}/flashcards", NOBODY),
    Route("embed.snippet", "GET", "/embed/sets/{P}/snippet", TEACHING),
    Route("embed.attempt", "GET", "/embed/attempts/{A}", NOBODY),
    Route("embed.question", "GET", "/embed/attempts/{A}/items/{A_item}", NOBODY),
    Route("embed.result", "GET", "/embed/attempts/{A}/result", NOBODY),
    Route("embed.answer", "POST", "/embed/attempts/{A}/items/{A_item}", NO_PASS),
    Route("embed.finish", "POST", "/embed/attempts/{A}/finish", NO_PASS),
    Route("embed.start_quiz", "POST", "/embed/sets/{P}/quiz", NO_PASS),
    Route("embed.review", "POST", "/embed/sets/{P}/flashcards/{P_item}", NO_PASS),
    # LTI: public tool metadata; admin-only platform registry; course instructors' link pages.
    Route("lti.config", "GET", "/lti/config", PUBLIC),
    Route("lti.jwks", "GET", "/lti/jwks", PUBLIC),
    Route("lti.cookie_check", "GET", "/lti/cookie-check", PUBLIC),
    Route("lti.platforms_page", "GET", "/lti/platforms", ADMIN_ONLY),
    Route("lti.link_page", "GET", "/lti/links/{L}", COURSE_TEACHER),
    Route("lti.retry_grades", "POST", "/lti/links/{L}/retry-grades", COURSE_TEACHER_POST),
    Route("lti.choose_set", "POST", "/lti/links/{L}/set", COURSE_TEACHER_POST),
    Route("lti.sync_roster", "POST", "/lti/links/{L}/sync-roster", COURSE_TEACHER_POST),
    Route("lti.register", "GET", "/lti/register", ("403",) * 6),  # needs a one-time invite
]
# Routes whose every caller is allowed by design (their own account, a fresh object).
SELF_SERVICE = {
    "auth.login", "auth.register", "auth.logout", "auth.account", "auth.delete_account",
    "auth.api_tokens", "auth.revoke_api_token", "study.join", "study.start_attempt",
    "instructor.new_set", "instructor.new_empty_set", "instructor.import_bank",
    "instructor.courses",
}  # fmt: skip
HTML_BLUEPRINTS = ("main", "auth", "study", "instructor", "embed", "lti")
# LTI protocol steps: their callers are LMSs with signed tokens, tested in tests/lti/ (forged,
# replayed, expired tokens...). The JSON API has its own role tests in tests/api/.
PROTOCOL = {"lti.login", "lti.launch", "lti.verify", "lti.deep_link", "lti.deep_link_respond"}


def _world(app) -> dict[str, int | str]:
    with app.app_context():
        users = {}
        for role in ROLES[1:]:
            kind = "instructor" if "instructor" in role else role
            kind = "learner" if "learner" in role else kind
            users[role] = accounts.create_user(role, PASSWORD, role=kind)
        owner = users["instructor"]
        gift = b"::Q1::Capital?{=Paris ~Lyon}\n\n::C1::Card front{=back}\n"
        published = sets.create_set_from_article(
            SEED_ARTICLE.read_bytes(), owner=owner, publish=True
        )
        draft, _ = banks.import_bank(
            b"::Q::Draft?{T}\n\n::F::front{=back}\n",
            filename="d.gift",
            owner=owner,
            set_name="Draft",
        )
        for item in draft.items:
            item.type = "flashcard" if item.title == "F" else item.type
        course = classes.create_course(owner, "Class")
        classes.assign(course, published, None)
        classes.join(users["learner"], course.join_code)
        attempt = study.start_attempt(users["learner"], published)
        pending = banks.stage_import(owner, gift, "u.gift", "gift", None)
        platform = LtiPlatform(
            issuer="https://lms.example", client_id="c", auth_login_url="https://lms.example/a",
            auth_token_url="https://lms.example/t", key_set_url="https://lms.example/k",
            deployment_ids=["d"],
        )  # fmt: skip
        db.session.add(platform)
        db.session.flush()
        link = LtiResourceLink(
            platform_id=platform.id,
            deployment_id="d",
            resource_link_id="r",
            course_id=course.id,
            set_id=published.id,
        )
        db.session.add(link)
        db.session.commit()
        p_item = db.session.scalar(sa.select(Item.id).where(Item.set_id == published.id))
        d_card = db.session.scalar(
            sa.select(Item.id).where(Item.set_id == draft.id, Item.type == "flashcard")
        )
        return {
            "P": published.id,
            "D": draft.id,
            "C": course.id,
            "U": pending.id,
            "A": attempt.id,
            "A_item": attempt.item_ids[0],
            "P_item": p_item,
            "D_card": d_card,
            "code": course.join_code,
            "L": link.id,
        }


@pytest.fixture
def backend() -> str:
    """Who may do what does not depend on the database: SQLite only, for speed."""
    return "sqlite"


@pytest.fixture
def world(app):
    return _world(app)


def _outcome(response, strict: bool = False) -> str:
    if strict and response.status_code in (400, 401):
        return "400"
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308):
        return "login" if "/auth/login" in location else "ok"
    if response.status_code in (403, 404):
        return str(response.status_code)
    return "ok" if response.status_code < 500 else f"error {response.status_code}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.url}")
def test_each_role_gets_what_its_policy_says(app, world, route):
    url = route.url.format(**world)
    data = {k: str(v).format(**world) for k, v in (route.data or {}).items()}
    got = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            client.post("/auth/login", data={"username": role, "password": PASSWORD})
        response = client.open(url, method=route.method, data=data)
        got[role] = _outcome(response, strict="400" in route.policy)
    assert got == dict(zip(ROLES, route.policy, strict=True))


def test_every_html_route_has_a_policy(app):
    covered = {r.endpoint for r in ROUTES} | SELF_SERVICE | PROTOCOL
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in HTML_BLUEPRINTS
    }
    assert endpoints - covered == set()


def test_state_changing_routes_refuse_posts_without_csrf(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    signed_in = client.post(
        "/auth/login", data={"username": "instructor", "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302  # signed in: the only thing missing below is the token
    posts = {(r.url.format(**world)) for r in ROUTES if r.method == "POST"}
    posts |= {
        "/auth/login",
        "/auth/register",
        "/auth/logout",
        "/auth/account",
        "/auth/account/delete",
        "/join",
        f"/sets/{world['P']}/attempts",
        "/teach/sets/new",
        "/teach/classes",
    }
    for url in sorted(posts):
        response = client.post(url, data={"username": "instructor", "password": PASSWORD})
        assert response.status_code == 400, url


def test_no_get_route_changes_anything(app, world):
    """GET never writes: a crawler or a prefetch cannot answer, rate, publish or join."""
    before = _counts(app)
    for role in ("learner", "instructor"):
        client = app.test_client()
        client.post("/auth/login", data={"username": role, "password": PASSWORD})
        for route in ROUTES:
            if route.method == "GET" and route.endpoint != "main.healthz":
                client.get(route.url.format(**world))
    assert _counts(app) == before


def _counts(app):
    from quizapp.models import CardState, Enrollment, Response, ReviewLog

    with app.app_context():
        return [
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (
                Attempt,
                Response,
                CardState,
                ReviewLog,
                Enrollment,
                Course,
                StudySet,
                PendingImport,
                User,
            )
        ]
