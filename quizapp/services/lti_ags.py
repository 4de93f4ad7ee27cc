"""Assignment and Grade Services: the score of a quiz launched from an LMS goes back to the
link's line item through the job outbox, retried until the platform takes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from quizapp.extensions import db
from quizapp.models import Attempt, Job, LtiPlatform, LtiResourceLink, StudySet
from quizapp.services import jobs
from quizapp.services.jobs import JobStatus, PermanentJobError
from quizapp.services.lti_common import LtiSettings
from quizapp.services.lti_platforms import http_session, registration_for
from quizapp.services.sets import learner_items

AGS_SCORE = "ags_score"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


class CachingConnector(ServiceConnector):
    """pylti1p3's service connector with access tokens cached per process until expiry."""

    _tokens: ClassVar[dict[str, tuple[str, float]]] = {}

    def _scope_key(self, scopes: Any) -> str:
        # pylti1p3 keys by issuer and scopes only; two registrations of one issuer
        # (several client ids) must not share tokens.
        registration = self._registration
        owner = f"{registration.get_client_id()}|{registration.get_auth_token_url()}"
        return f"{owner}|{super()._scope_key(scopes)}"

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        token, expires = self._tokens.get(scope_key, ("", 0.0))
        return token if token and expires > time.monotonic() else None

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        # A minute's margin so a token is never used in its last seconds.
        self._tokens[scope_key] = (access_token, time.monotonic() + float(expires_in or 0) - 60)


def connector_for(platform: LtiPlatform, settings: LtiSettings) -> CachingConnector:
    """A service connector that gets access tokens with a client assertion signed by our key."""
    return CachingConnector(registration_for(platform, settings), http_session(settings))


def score_maximum(study_set: StudySet) -> float:
    """Points available in the set's quiz (what a deep-linked line item is out of)."""
    from quizapp.services.study import QUIZ_TYPES

    return float(sum(item.points or 1.0 for item in learner_items(study_set, types=QUIZ_TYPES)))


def on_attempt_finished(attempt: Attempt) -> Job | None:
    """Queue the grade passback of a finished LMS-launched attempt, in the caller's
    transaction (commit them together). Calling it again for the same attempt is harmless."""
    if attempt.lti_link_id is None or attempt.finished_at is None or not attempt.lti_user_sub:
        return None
    for job in _link_jobs(attempt.lti_link_id, since=attempt.finished_at - timedelta(seconds=1)):
        if job.payload.get("attempt_id") == attempt.id:
            return job
    return jobs.enqueue(AGS_SCORE, {"attempt_id": attempt.id, "link_id": attempt.lti_link_id})


def _link_jobs(
    link_id: int, *, since: Any = None, statuses: tuple[str, ...] = (), limit: int = 2000
) -> list[Job]:
    """The link's passback jobs, newest first (the payload names the link)."""
    query = sa.select(Job).where(Job.kind == AGS_SCORE).order_by(Job.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Job.created_at >= since)
    if statuses:
        query = query.where(Job.status.in_(statuses))
    return [job for job in db.session.scalars(query) if job.payload.get("link_id") == link_id]


def grade_for(attempt: Attempt) -> Grade:
    """The AGS score of a finished attempt; its timestamp is the finish time, so a retry
    sends the very same score and the platform keeps the latest."""
    assert attempt.finished_at is not None
    return (
        Grade()
        .set_score_given(float(attempt.score or 0.0))
        .set_score_maximum(float(attempt.max_score or 0.0))
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(attempt.finished_at.isoformat(timespec="milliseconds"))
        .set_started_at(attempt.started_at.isoformat(timespec="milliseconds"))
        .set_submitted_at(attempt.finished_at.isoformat(timespec="milliseconds"))
        .set_user_id(str(attempt.lti_user_sub))
    )


def send_score(job: Job, *, settings: LtiSettings | None = None) -> None:
    """Job handler: post one attempt's score to its line item (raises to be retried)."""
    settings = settings or LtiSettings()
    attempt = db.session.get(Attempt, int(job.payload.get("attempt_id") or 0))
    if attempt is None or attempt.finished_at is None:
        raise PermanentJobError("the attempt no longer exists or is not finished")
    link = db.session.get(LtiResourceLink, attempt.lti_link_id) if attempt.lti_link_id else None
    if link is None:
        raise PermanentJobError("the LMS link of this attempt no longer exists")
    if not attempt.max_score:
        raise PermanentJobError("the attempt is out of 0 points; there is no score to send")
    platform = db.session.get(LtiPlatform, link.platform_id)
    assert platform is not None
    connector = connector_for(platform, settings)
    lineitem_url = link.lineitem_url or _create_lineitem(connector, link, attempt)
    ags = AssignmentsGradesService(connector, {"scope": [SCORE_SCOPE], "lineitem": lineitem_url})
    ags.put_grade(grade_for(attempt))


def _create_lineitem(connector: CachingConnector, link: LtiResourceLink, attempt: Attempt) -> str:
    """A link launched without a line item gets one (when the platform lets tools make them)."""
    if not link.lineitems_url:
        raise PermanentJobError("the platform gave this link no line item and no line items URL")
    ags = AssignmentsGradesService(
        connector, {"scope": [LINEITEM_SCOPE, SCORE_SCOPE], "lineitems": link.lineitems_url}
    )
    wanted = (
        LineItem()
        .set_tag(f"quizapp-link-{link.id}")
        .set_resource_link_id(link.resource_link_id)
        .set_resource_id(f"set-{attempt.set_id}")
        .set_label(attempt.study_set.title[:200])
        .set_score_maximum(float(attempt.max_score or 1.0))
    )
    lineitem = ags.find_or_create_lineitem(wanted, find_by="tag")
    link.lineitem_url = lineitem.get_id()
    db.session.flush()
    if not link.lineitem_url:
        raise PermanentJobError("the platform returned a line item without an id")
    return link.lineitem_url


@dataclass
class PassbackStatus:
    """What an instructor sees about a link's grade passback."""

    sent: int = 0
    waiting: list[Job] = field(default_factory=list)
    failed: list[Job] = field(default_factory=list)


def passback_status(link: LtiResourceLink) -> PassbackStatus:
    """Sent, waiting and failed passbacks of the link's recent attempts."""
    status = PassbackStatus()
    for job in _link_jobs(link.id):
        if job.status == JobStatus.DONE:
            status.sent += 1
        elif job.status == JobStatus.FAILED:
            status.failed.append(job)
        else:
            status.waiting.append(job)
    return status


def retry_failed(link: LtiResourceLink) -> int:
    """Make the link's failed and waiting passbacks due now; returns how many."""
    retried = _link_jobs(link.id, statuses=(JobStatus.FAILED, JobStatus.PENDING))
    for job in retried:
        jobs.retry_now(job)
    return len(retried)
