"""Assignment and Grade Services through the job outbox, and Names and Role Provisioning,
against the fake LMS: scores arrive with a token got by a client assertion the LMS checks
against quizapp's /lti/jwks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from lti.platform_harness import INSTRUCTOR, LEARNER
from lti.tool_harness import launch, pass_token, run_worker, sync_roster_as, take_quiz

from quizapp.extensions import db
from quizapp.models import Attempt, Enrollment, Job, LtiIdentity, LtiResourceLink, User, utcnow

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def test_finished_quiz_score_reaches_the_line_item(tool, platform, lti_app, study_set):
    session = requests.Session()
    landed = launch(tool, platform, session, set_id=study_set, sub="student-7")
    attempt_id = take_quiz(tool, session, landed.headers["Location"], wrong={1})
    with lti_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at and (attempt.score, attempt.max_score) == (2.0, 3.0)
        assert attempt.lti_user_sub == "student-7" and attempt.lti_link_id
        job = db.session.scalar(sa.select(Job))
        assert (job.kind, job.status) == ("ags_score", "pending")
        assert job.payload == {"attempt_id": attempt_id, "link_id": attempt.lti_link_id}
    assert platform.recorded.scores == []  # nothing is sent inside the learner's request

    output = run_worker(lti_app)
    assert "1 job(s) run" in output

    (received,) = platform.recorded.scores
    assert received["content_type"] == SCORE_TYPE
    score = received["score"]
    assert (score["scoreGiven"], score["scoreMaximum"], score["userId"]) == (2.0, 3.0, "student-7")
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"].endswith("+00:00") and "submission" in score
    (token_request,) = platform.recorded.token_requests
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in token_request["form"]["scope"]
    assert token_request["claims"]["aud"] == platform.token_url
    with lti_app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert (job.status, job.attempts, job.last_error) == ("done", 1, None)


def test_failed_passback_is_retried_and_visible_to_the_instructor(
    tool, platform, lti_app, study_set
):
    session = requests.Session()
    landed = launch(tool, platform, session, set_id=study_set, sub="student-8")
    take_quiz(tool, session, landed.headers["Location"])
    platform.fail_scores = 1  # the LMS is having a bad minute

    run_worker(lti_app)
    assert platform.recorded.scores == []
    with lti_app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert (job.status, job.attempts) == ("pending", 1)
        assert "500" in job.last_error and job.run_after > utcnow()

    # Not due yet: a worker run now leaves it alone.
    run_worker(lti_app)
    assert platform.recorded.scores == []

    teacher = requests.Session()
    landed = launch(tool, platform, teacher, set_id=study_set, sub="prof", roles=INSTRUCTOR)
    page = teacher.get(tool.url + landed.headers["Location"])
    assert "0 sent · 1 waiting · 0 failed" in page.text and "500" in page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    link_id = int(re.search(r"/lti/links/(\d+)", landed.headers["Location"]).group(1))
    retried = teacher.post(
        f"{tool.url}/lti/links/{link_id}/retry-grades", data={"t": token},
        headers={"Origin": tool.url}, allow_redirects=False,
    )  # fmt: skip
    assert retried.status_code in (302, 303)

    run_worker(lti_app)
    (received,) = platform.recorded.scores
    assert received["score"]["userId"] == "student-8"
    page = teacher.get(tool.url + retried.headers["Location"])
    assert "1 sent · 0 waiting · 0 failed" in page.text


def test_instructor_manages_the_link_with_the_pass_only(tool, platform, lti_app, study_set):
    from lti.tool_harness import make_set

    other_set = make_set(lti_app, "Genetics")
    teacher = requests.Session()
    landed = launch(tool, platform, teacher, set_id=study_set, roles=INSTRUCTOR)
    link_id = int(re.search(r"/lti/links/(\d+)", landed.headers["Location"]).group(1))
    token = pass_token(landed.headers["Location"])
    changed = teacher.post(
        f"{tool.url}/lti/links/{link_id}/set", data={"t": token, "set_id": other_set},
        headers={"Origin": tool.url},
    )  # fmt: skip
    assert changed.status_code == 200 and "now opens “Genetics”" in changed.text
    with lti_app.app_context():
        assert db.session.get(LtiResourceLink, link_id).set_id == other_set
    # A learner's pass cannot manage the link, nor can another site post the form.
    learner = launch(tool, platform, set_id=study_set, sub="someone")
    refused = requests.post(
        f"{tool.url}/lti/links/{link_id}/set",
        data={"t": pass_token(learner.headers["Location"]), "set_id": study_set},
    )
    assert refused.status_code == 403
    cross_site = requests.post(
        f"{tool.url}/lti/links/{link_id}/set", data={"t": token, "set_id": study_set},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert cross_site.status_code == 403


def test_roster_sync_creates_accounts_and_enrolments(tool, platform, lti_app, study_set):
    # Someone who launched once, then left the course.
    assert launch(tool, platform, set_id=study_set, sub="dropout").status_code in (302, 303)
    platform.members = [
        {"user_id": "s1", "name": "Sam One", "roles": LEARNER, "status": "Active"},
        {"user_id": "s2", "given_name": "Kim", "family_name": "Two", "roles": ["Learner"]},
        {"user_id": "t1", "name": "Pat Teacher", "roles": INSTRUCTOR, "status": "Active"},
        {"user_id": "dropout", "roles": LEARNER, "status": "Inactive"},
    ]
    synced = sync_roster_as(tool, platform, study_set, "t1")
    assert synced.status_code == 200, synced.text
    assert "Roster synced: 2 learners and 1 instructors; 1 removed." in synced.text
    assert platform.recorded.roster_requests == 1
    nrps_scope = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
    assert any(nrps_scope in r["form"]["scope"] for r in platform.recorded.token_requests)
    with lti_app.app_context():
        roles = dict(
            db.session.execute(
                sa.select(LtiIdentity.subject, Enrollment.role).join(
                    Enrollment, Enrollment.user_id == LtiIdentity.user_id
                )
            ).all()
        )
        assert roles == {"s1": "learner", "s2": "learner", "t1": "instructor"}
        teacher_user = db.session.scalar(
            sa.select(User).join(LtiIdentity).where(LtiIdentity.subject == "t1")
        )
        assert teacher_user.role == "instructor"
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 4  # dropout kept


def test_roster_sync_by_a_signed_in_instructor_needs_csrf(tool, platform, lti_app, study_set):
    from quizapp.models import Course
    from quizapp.services.accounts import create_user

    assert launch(tool, platform, set_id=study_set).status_code in (302, 303)
    with lti_app.app_context():
        teacher = create_user("teach", "password123", role="instructor")
        course = db.session.scalar(sa.select(Course))
        db.session.add(Enrollment(course_id=course.id, user_id=teacher.id, role="instructor"))
        link_id = db.session.scalar(sa.select(LtiResourceLink.id))
        db.session.commit()
    client = lti_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login", data={"username": "teach", "password": "password123", "csrf_token": csrf}
    )
    link_page = client.get(f"/lti/links/{link_id}")
    assert link_page.status_code == 200
    assert client.post(f"/lti/links/{link_id}/sync-roster").status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', link_page.get_data(as_text=True)).group(
        1
    )
    platform.members = [{"user_id": "s9", "roles": LEARNER}]
    synced = client.post(f"/lti/links/{link_id}/sync-roster", data={"csrf_token": token})
    assert synced.status_code in (302, 303)
    assert urlsplit(synced.headers["Location"]).path == f"/lti/links/{link_id}"
