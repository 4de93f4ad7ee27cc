"""Deep Linking: an instructor picks a study set inside the LMS, and quizapp answers with an
``ltiResourceLink`` to it that carries a line item, so the LMS makes a gradebook column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem
from pylti1p3.message_launch import MessageLaunch

from quizapp.extensions import db
from quizapp.models import StudySet
from quizapp.services.lti_ags import score_maximum
from quizapp.services.lti_common import LtiSettings
from quizapp.services.lti_launch import (
    DbSessionService,
    LaunchRejected,
    ParamsRequest,
    RecordingCookies,
    live_record,
)
from quizapp.services.lti_platforms import DbToolConf, http_session

SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


class _StoredLaunch(MessageLaunch):
    """A deep-linking launch restored from the database (validated when it arrived)."""

    def _get_request_param(self, key: str) -> Any:
        return self._request.get_param(key)


@dataclass(frozen=True)
class DeepLinkResponse:
    """The signed LtiDeepLinkingResponse and where the browser must post it."""

    return_url: str
    jwt: str


def restore(launch_id: str, settings: LtiSettings) -> _StoredLaunch:
    """The stored deep-linking launch (refused once used or expired)."""
    request = ParamsRequest({})
    try:
        return _StoredLaunch.from_cache(  # type: ignore[return-value]
            launch_id,
            request,
            DbToolConf(settings),
            session_service=DbSessionService(request, settings),
            cookie_service=RecordingCookies(request),
            requests_session=http_session(settings),
        )
    except LtiException as exc:
        raise LaunchRejected(
            "This deep-linking session expired. Start again from the LMS.", status=400
        ) from exc


def settings_of(launch_id: str, settings: LtiSettings) -> dict[str, Any]:
    """The platform's deep-linking settings (title, accept_multiple...) for the picker."""
    return dict(restore(launch_id, settings).get_launch_data().get(SETTINGS_CLAIM) or {})


def resource_for(study_set: StudySet, launch_url: str) -> DeepLinkResource:
    """An ltiResourceLink to a set's quiz, graded out of the quiz's points."""
    lineitem = (
        LineItem()
        .set_score_maximum(score_maximum(study_set) or 1.0)
        .set_label(study_set.title[:200])
        .set_resource_id(f"set-{study_set.id}")
        .set_tag("quizapp")
    )
    return (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(study_set.title[:200])
        .set_custom_params({"set_id": str(study_set.id)})
        .set_lineitem(lineitem)
    )


def respond(
    launch_id: str, study_set: StudySet, *, launch_url: str, settings: LtiSettings
) -> DeepLinkResponse:
    """Sign the response for the chosen set; the stored launch is used up."""
    launch = restore(launch_id, settings)
    deep_link = launch.get_deep_link()
    return_url = str(
        (launch.get_launch_data().get(SETTINGS_CLAIM) or {}).get("deep_link_return_url")
    )
    if not return_url.startswith(("https://", "http://")):
        raise LaunchRejected("The LMS gave no address to return the chosen set to.")
    token = deep_link.get_response_jwt([resource_for(study_set, launch_url)])
    record = live_record("launch", launch_id)
    if record is not None:
        db.session.delete(record)
    return DeepLinkResponse(return_url=return_url, jwt=token)
