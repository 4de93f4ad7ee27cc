"""Names and Role Provisioning: bring an LMS course's roster into its quizapp class."""

from __future__ import annotations

from dataclasses import dataclass

import requests
import sqlalchemy as sa
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService

from quizapp.extensions import db
from quizapp.models import Course, Enrollment, LtiIdentity, LtiPlatform, LtiResourceLink
from quizapp.services.lti_ags import connector_for
from quizapp.services.lti_common import LtiError, LtiSettings, PlatformError
from quizapp.services.lti_launch import ensure_enrollment, ensure_user, is_instructor


@dataclass
class RosterReport:
    """What a roster sync changed."""

    members: int = 0
    learners: int = 0
    instructors: int = 0
    removed: int = 0


def sync_roster(link: LtiResourceLink, settings: LtiSettings) -> RosterReport:
    """Create accounts and enrolments for every active member of the link's course, and
    drop the enrolments of members the LMS lists as inactive or deleted."""
    if not link.memberships_url:
        raise LtiError("The LMS offers no roster (Names and Roles service) for this course.")
    course = db.session.get(Course, link.course_id) if link.course_id else None
    if course is None:
        raise LtiError("This link is not placed in a course, so there is no roster to sync.")
    platform = db.session.get(LtiPlatform, link.platform_id)
    assert platform is not None
    service = NamesRolesProvisioningService(
        connector_for(platform, settings), {"context_memberships_url": link.memberships_url}
    )
    try:
        members = service.get_members()
    except LtiError:
        raise  # quizapp's own (its signing key), not the LMS's
    except (LtiException, requests.RequestException, ValueError) as exc:
        detail = str(exc).split(" HTTP response")[0]
        raise PlatformError(f"The LMS did not return the roster: {detail}") from exc
    report = RosterReport()
    for member in members:
        subject = str(member.get("user_id") or "")
        if not subject:
            continue
        report.members += 1
        if member.get("status", "Active") in ("Inactive", "Deleted"):
            report.removed += _unenrol(course, platform.issuer, subject)
            continue
        instructor = is_instructor(list(member.get("roles") or []))
        name = member.get("name") or " ".join(
            part for part in (member.get("given_name"), member.get("family_name")) if part
        )
        user = ensure_user(platform.issuer, subject, name=name, instructor=instructor)
        ensure_enrollment(course, user, instructor)
        if instructor:
            report.instructors += 1
        else:
            report.learners += 1
    return report


def _unenrol(course: Course, issuer: str, subject: str) -> int:
    user_id = db.session.scalar(
        sa.select(LtiIdentity.user_id).where(
            LtiIdentity.issuer == issuer, LtiIdentity.subject == subject
        )
    )
    if user_id is None:
        return 0
    result = db.session.execute(
        sa.delete(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user_id
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
