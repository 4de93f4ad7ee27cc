"""LTI 1.3 launches: OIDC login initiation, id_token validation, and mapping what the LMS
sends (user, course, resource link) onto quizapp's accounts, classes and sets.

pylti1p3 builds the login redirect and validates the id_token (signature against the
platform's cached JWKS, issuer, audience, expiry, deployment, message claims). quizapp adds
what it lacks:

* state kept server-side (LtiNonce kind "state", bound to the nonce it was issued with),
  so any process can check it and it is used once;
* a one-time nonce store (LtiNonce kind "nonce", unique value): a token is never accepted
  twice, across processes;
* browser binding without third-party cookies: the state cookie when the browser sends it,
  otherwise the page proves it started the login by reading state and nonce back from
  the platform's storage (LTI postMessage storage) or its own tab storage.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import sqlalchemy as sa
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request
from pylti1p3.roles import DesignerRole, TeacherRole
from pylti1p3.session import SessionService
from sqlalchemy.exc import IntegrityError

from quizapp.extensions import db
from quizapp.models import (
    Course,
    Enrollment,
    LtiIdentity,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
    Role,
    StudySet,
    User,
    utcnow,
)
from quizapp.services import classes
from quizapp.services.lti_common import LtiError, LtiSettings, PlatformError
from quizapp.services.lti_platforms import (
    DbToolConf,
    find_platform,
    http_session,
    platform_key_set,
    platform_origins,
)

STATE_COOKIE_PREFIX = "lti1p3-"  # pylti1p3's cookie name: prefix + state
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING = "LtiDeepLinkingRequest"
RESOURCE_LINK = "LtiResourceLinkRequest"


class LaunchRejected(LtiError):
    """The id_token or its state failed a check; the person sees why (a 4xx page)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --- pylti1p3 adapters (no Flask below this line: the web layer passes plain mappings) --


class ParamsRequest(Request):
    """What pylti1p3 needs of a request: its parameters, cookies and scheme."""

    def __init__(
        self,
        params: Mapping[str, str],
        cookies: Mapping[str, str] | None = None,
        secure: bool = False,
    ) -> None:
        self._params, self._cookies, self._secure = dict(params), dict(cookies or {}), secure

    @property
    def session(self) -> dict[str, Any]:
        return {}

    def get_param(self, key: str) -> Any:
        return self._params.get(key)

    def get_cookie(self, key: str) -> str | None:
        return self._cookies.get(key)

    def is_secure(self) -> bool:
        return self._secure


class _UrlRedirect(Redirect):
    def __init__(self, url: str) -> None:
        self._url = url

    def do_redirect(self) -> str:
        return self._url

    def do_js_redirect(self) -> str:
        return self._url

    def set_redirect_url(self, location: str) -> None:
        self._url = location

    def get_redirect_url(self) -> str:
        return self._url


class RecordingCookies(CookieService):
    """Cookies pylti1p3 asks for are recorded; the web layer sets them on the response."""

    def __init__(self, request: ParamsRequest) -> None:
        self._request = request
        self.to_set: dict[str, tuple[str, int | None]] = {}

    def get_cookie(self, name: str) -> str | None:
        return self._request.get_cookie(STATE_COOKIE_PREFIX + name)

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.to_set[STATE_COOKIE_PREFIX + name] = (str(value), exp)


class DbSessionService(SessionService):
    """pylti1p3's session store on the database: a browser session is not needed."""

    def __init__(
        self, request: ParamsRequest, settings: LtiSettings, bound_state: str | None = None
    ):
        super().__init__(request)
        self.settings = settings
        self.bound_state = bound_state
        self.issued_nonce: str | None = None

    def save_nonce(self, nonce: str) -> None:
        self.issued_nonce = nonce  # stored with the state by begin_login

    def check_nonce(self, nonce: str) -> bool:  # superseded by LaunchValidator.validate_nonce
        return False

    def save_state_params(self, state: str, params: dict[str, object]) -> None:
        return None

    def get_state_params(self, state: str) -> dict[str, object]:
        return {}

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        return None  # states are single-use: deleted once the launch completes

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return self.bound_state is not None and secrets.compare_digest(self.bound_state, state)

    def save_launch_data(self, key: str, jwt_body: Mapping[str, Any]) -> None:
        message_type = jwt_body.get(CLAIM + "message_type")
        if message_type == DEEP_LINKING:  # only deep linking needs the launch afterwards
            _add_record(
                "launch", key, dict(jwt_body), timedelta(seconds=self.settings.launch_ttl_seconds)
            )

    def get_launch_data(self, key: str) -> Any:
        record = live_record("launch", key)
        return record.data if record else None


class _Login(OIDCLogin):
    def get_redirect(self, url: str) -> _UrlRedirect:
        return _UrlRedirect(url)


# --- the server-side state and nonce stores ------------------------------------------------


def _add_record(kind: str, value: str, data: dict[str, Any] | None, ttl: timedelta) -> LtiNonce:
    record = LtiNonce(kind=kind, value=f"{kind}:{value}", data=data, expires_at=utcnow() + ttl)
    db.session.add(record)
    db.session.flush()
    return record


def live_record(kind: str, value: str, now: datetime | None = None) -> LtiNonce | None:
    """An unexpired record of this kind, shared by every process through the database."""
    if not value or len(value) > 200:
        return None
    return db.session.scalar(
        sa.select(LtiNonce).where(
            LtiNonce.value == f"{kind}:{value}",
            LtiNonce.kind == kind,
            LtiNonce.expires_at > (now or utcnow()),
        )
    )


def consume_once(kind: str, value: str, expires_at: datetime) -> bool:
    """Record a one-time value as used; False if it was used before (in any process).

    The unique constraint on LtiNonce.value decides: of two concurrent uses of the same
    value, exactly one insert succeeds. Values are stored hashed.
    """
    digest = hashlib.sha256(value.encode()).hexdigest()
    try:
        with db.session.begin_nested():
            db.session.add(
                LtiNonce(kind=kind, value=f"{kind}:{digest}", data=None, expires_at=expires_at)
            )
    except IntegrityError:
        return False
    return True


def was_used(kind: str, value: str) -> bool:
    digest = hashlib.sha256(value.encode()).hexdigest()
    return live_record(kind, digest) is not None


def consume_nonce(nonce: str, expires_at: datetime) -> bool:
    """Remember an id_token nonce as used: a launch token is never accepted twice."""
    return consume_once("nonce", nonce, expires_at)


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired states, nonces and stored launches."""
    result = db.session.execute(sa.delete(LtiNonce).where(LtiNonce.expires_at <= (now or utcnow())))
    return result.rowcount or 0  # type: ignore[attr-defined]


# --- login initiation -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser next, and what it must remember on the way."""

    auth_url: str
    state: str
    nonce: str
    platform_origin: str
    storage_target: str | None
    cookies: dict[str, tuple[str, int | None]]
    platform_id: int


def begin_login(
    params: Mapping[str, str],
    *,
    launch_url: str,
    settings: LtiSettings,
    secure: bool = False,
) -> LoginStart:
    """Handle an OIDC third-party login initiation: issue state and nonce, keep them
    server-side, and return the platform's authorization URL to send the browser to."""
    issuer, client_id = params.get("iss") or "", params.get("client_id") or None
    if not issuer or not params.get("login_hint"):
        raise LaunchRejected("This is not an LTI login request (iss and login_hint are required).")
    platform = find_platform(issuer, client_id)
    if platform is None:
        raise LaunchRejected(
            f"quizapp is not registered with the platform {issuer!r}"
            + (f" (client id {client_id!r})" if client_id else "")
            + ". Ask an administrator to register it.",
            status=403,
        )
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in (platform.deployment_ids or []):
        raise LaunchRejected(f"The deployment {deployment!r} is not registered.", status=403)
    request = ParamsRequest({**params, "client_id": platform.client_id}, secure=secure)
    cookies = RecordingCookies(request)
    session = DbSessionService(request, settings)
    login = _Login(request, DbToolConf(settings), session_service=session, cookie_service=cookies)
    try:
        auth_url = login.get_redirect_object(launch_url).get_redirect_url()
    except (OIDCException, LtiException) as exc:
        raise LaunchRejected(f"The login request was refused: {exc}") from exc
    query = parse_qs(urlsplit(auth_url).query)
    state, nonce = query["state"][0], query["nonce"][0]
    storage_target = (params.get("lti_storage_target") or "").strip() or None
    _add_record(
        "state",
        state,
        {"nonce": nonce, "platform_id": platform.id, "storage_target": storage_target},
        timedelta(seconds=settings.state_ttl_seconds),
    )
    auth = urlsplit(platform.auth_login_url)
    return LoginStart(
        auth_url=auth_url,
        state=state,
        nonce=nonce,
        platform_origin=f"{auth.scheme}://{auth.netloc}",
        storage_target=storage_target,
        cookies=cookies.to_set,
        platform_id=platform.id,
    )


# --- launch validation ----------------------------------------------------------------------


class LaunchValidator(MessageLaunch):
    """pylti1p3's MessageLaunch, stricter: the signature is checked before the nonce is
    spent, audience/issuer/expiry are verified with a small clock-skew leeway, the JWKS
    comes from quizapp's cache, and nonces are one-time across processes."""

    def __init__(self, request: ParamsRequest, settings: LtiSettings, expected_nonce: str) -> None:
        # Only launches whose browser has been bound to the state get here (state cookie
        # or storage check), so the state counts as valid for pylti1p3's check.
        super().__init__(
            request,
            DbToolConf(settings),
            session_service=DbSessionService(request, settings, request.get_param("state")),
            cookie_service=RecordingCookies(request),
            requests_session=http_session(settings),
        )
        self._settings = settings
        self._expected_nonce = expected_nonce

    def _get_request_param(self, key: str) -> Any:
        return self._request.get_param(key)

    def validate(self) -> LaunchValidator:
        if self._restored:
            raise LaunchRejected("A restored launch cannot be validated again.")
        self._validated = True
        try:
            self.validate_state().validate_jwt_format().validate_registration()
            self.validate_jwt_signature().validate_nonce().validate_deployment()
            self.validate_message().save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    def get_client_id(self) -> str:
        body = self._get_jwt_body()
        aud = body.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp"):
            return str(body["azp"])  # several audiences: the authorized party is the client
        return aud[0] if isinstance(aud, list) and aud else aud  # type: ignore[return-value]

    def platform(self) -> LtiPlatform:
        return self._registration.platform()  # type: ignore[union-attr]

    def validate_registration(self) -> LaunchValidator:
        try:
            super().validate_registration()
        except LtiException as exc:
            raise LaunchRejected(
                f"The launch token is not for a registered client of this platform "
                f"(iss {self._get_jwt_body().get('iss')!r}, aud {self.get_client_id()!r}).",
                status=403,
            ) from exc
        return self

    def get_public_key(self) -> tuple[str, str]:
        platform = self.platform()
        self._registration.set_key_set(platform_key_set(platform, self._settings))  # type: ignore[union-attr, arg-type]
        try:
            return super().get_public_key()
        except LtiException:
            # An unknown key id: the platform may have rotated its keys since we cached them.
            fetched = platform.key_set_fetched_at
            key_set = platform_key_set(platform, self._settings, refresh=True)
            if platform.key_set_fetched_at == fetched:
                raise
            self._registration.set_key_set(key_set)  # type: ignore[union-attr, arg-type]
            return super().get_public_key()

    def validate_jwt_signature(self) -> LaunchValidator:
        try:
            public_key, algorithm = self.get_public_key()
        except LtiException as exc:
            raise LaunchRejected(
                f"The launch token is signed with a key the platform does not publish ({exc})."
            ) from exc
        registration = self._registration
        assert registration is not None
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[algorithm],
                audience=registration.get_client_id(),
                issuer=registration.get_issuer(),
                leeway=self._settings.clock_skew_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchRejected("The launch token has expired. Open the activity again.") from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchRejected("The launch token is meant for another tool (audience).") from exc
        except jwt.InvalidIssuerError as exc:
            raise LaunchRejected("The launch token's issuer does not match.") from exc
        except jwt.InvalidSignatureError as exc:
            raise LaunchRejected(
                "The launch token's signature does not verify with the platform's keys."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected(f"The launch token is not valid: {exc}.") from exc
        body = self._get_jwt_body()
        aud = body.get("aud")
        if (
            isinstance(aud, list)
            and len(aud) > 1
            and body.get("azp") != registration.get_client_id()
        ):
            raise LaunchRejected("The launch token has several audiences but no matching azp.")
        return self

    def validate_nonce(self) -> LaunchValidator:
        body = self._get_jwt_body()
        nonce = body.get("nonce")
        if not nonce or not secrets.compare_digest(str(nonce), self._expected_nonce):
            raise LaunchRejected("The launch token's nonce is not the one issued for this login.")
        exp = datetime.fromtimestamp(int(body.get("exp", 0)), UTC)
        keep = max(utcnow() + timedelta(seconds=self._settings.nonce_ttl_seconds), exp)
        if not consume_nonce(
            str(nonce), keep + timedelta(seconds=self._settings.clock_skew_seconds)
        ):
            raise LaunchRejected("This launch token was already used (replayed nonce).")
        return self


@dataclass
class LaunchResult:
    """A validated launch, mapped onto quizapp."""

    message_type: str
    platform_id: int
    deployment_id: str
    user_id: int
    sub: str
    instructor: bool
    course_id: int | None = None
    link_id: int | None = None
    set_id: int | None = None
    launch_id: str | None = None
    origins: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PendingLaunch:
    """A launch whose browser sent no state cookie: the page must prove it began the login."""

    state: str
    nonce: str
    storage_target: str | None
    platform_origin: str


def receive_launch(
    form: Mapping[str, str],
    cookies: Mapping[str, str],
    *,
    settings: LtiSettings,
    frame_origin: str | None = None,
) -> LaunchResult | PendingLaunch:
    """Take the platform's form post: complete it when the state cookie came back,
    otherwise keep the id_token server-side until the page has checked its storage.

    ``frame_origin`` is the origin the form was posted from (the LMS page framing us); a
    valid launch lets it frame quizapp's pages for this learner.
    """
    state, id_token = form.get("state") or "", form.get("id_token") or ""
    if form.get("error"):
        raise LaunchRejected(
            f"The platform refused the login: {form.get('error_description') or form['error']}."
        )
    if not state or not id_token:
        raise LaunchRejected("This is not an LTI launch (id_token and state are required).")
    record = _state_record(state)
    if frame_origin:
        record.data = {**(record.data or {}), "frame_origin": frame_origin}
    cookie = cookies.get(STATE_COOKIE_PREFIX + state)
    if cookie and secrets.compare_digest(cookie, state):
        return complete_launch(record, id_token, settings=settings)
    record.data = {**(record.data or {}), "id_token": id_token}
    platform = db.session.get(LtiPlatform, record.data["platform_id"])
    auth = urlsplit(platform.auth_login_url if platform else "")
    return PendingLaunch(
        state=state,
        nonce=record.data["nonce"],
        storage_target=record.data.get("storage_target"),
        platform_origin=f"{auth.scheme}://{auth.netloc}",
    )


def verify_launch(form: Mapping[str, str], *, settings: LtiSettings) -> LaunchResult:
    """Complete a pending launch once its page read state and nonce back from storage."""
    record = _state_record(form.get("state") or "")
    data = record.data or {}
    if "id_token" not in data:
        raise LaunchRejected("This launch has no token to verify. Open the activity again.")
    stored_state, stored_nonce = form.get("stored_state") or "", form.get("stored_nonce") or ""
    if not (
        secrets.compare_digest(stored_state, record.value.removeprefix("state:"))
        and secrets.compare_digest(stored_nonce, str(data["nonce"]))
    ):
        db.session.delete(record)
        raise LaunchRejected(
            "This browser could not show it started the launch (state not found in its "
            "storage). Open the activity again, or in a new window.",
            status=403,
        )
    return complete_launch(record, data["id_token"], settings=settings)


def _state_record(state: str) -> LtiNonce:
    record = live_record("state", state)
    if record is None:
        raise LaunchRejected(
            "This launch expired or was already used (unknown state). Open the activity again "
            "from your course."
        )
    return record


def complete_launch(record: LtiNonce, id_token: str, *, settings: LtiSettings) -> LaunchResult:
    """Validate the id_token against a state whose browser is known, then map the launch."""
    state = record.value.removeprefix("state:")
    data = dict(record.data or {})
    db.session.delete(record)  # single-use, whatever the outcome
    db.session.flush()
    request = ParamsRequest({"id_token": id_token, "state": state})
    launch = LaunchValidator(request, settings, str(data.get("nonce")))
    try:
        body = launch.get_launch_data()
    except (LtiError, PlatformError):
        raise
    except (LtiException, OIDCException, AssertionError, KeyError, TypeError, ValueError) as exc:
        raise LaunchRejected(f"The launch was refused: {exc}") from exc
    platform = launch.platform()
    if platform.id != data.get("platform_id"):
        raise LaunchRejected("The launch token comes from another platform than the login.")
    result = map_launch(platform, body, launch.get_launch_id())
    if data.get("frame_origin") and data["frame_origin"] not in result.origins:
        result.origins.append(str(data["frame_origin"]))
    return result


# --- mapping a launch onto quizapp ------------------------------------------------------------


def is_instructor(roles: list[str]) -> bool:
    """Instructor, Administrator and ContentDeveloper (context roles first) teach."""
    body = {CLAIM + "roles": list(roles or [])}
    return TeacherRole(body).check() or DesignerRole(body).check()


def _username(name: str | None, issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:40] or "lti"
    for length in (6, 12, 24):
        candidate = f"{slug}-{digest[:length]}"
        if not db.session.scalar(sa.select(User.id).where(User.username == candidate)):
            return candidate
    return f"lti-{digest[:60]}"


def ensure_user(issuer: str, subject: str, *, name: str | None, instructor: bool) -> User:
    """The quizapp account of an LMS user (issuer + subject), created on first sight.

    LMS accounts have no password: they sign in only through launches. A user who
    teaches in the LMS becomes an instructor; nobody is demoted by a learner launch.
    """
    identity = db.session.scalar(
        sa.select(LtiIdentity).where(LtiIdentity.issuer == issuer, LtiIdentity.subject == subject)
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        assert user is not None
    else:
        role = Role.INSTRUCTOR if instructor else Role.LEARNER
        user = User(username=_username(name, issuer, subject), role=role.value, is_guest=False)
        db.session.add(user)
        db.session.flush()
        try:
            with db.session.begin_nested():
                db.session.add(LtiIdentity(issuer=issuer, subject=subject, user_id=user.id))
        except IntegrityError:
            # A concurrent launch of the same person created it first: use theirs.
            db.session.delete(user)
            return ensure_user(issuer, subject, name=name, instructor=instructor)
    if instructor and user.role == Role.LEARNER:
        user.role = Role.INSTRUCTOR.value
    db.session.flush()
    return user


def ensure_course(issuer: str, context: Mapping[str, Any], owner: User | None) -> Course:
    """The class an LMS course (context) maps onto."""
    context_id = str(context["id"])
    course = db.session.scalar(
        sa.select(Course).where(Course.lti_issuer == issuer, Course.lti_context_id == context_id)
    )
    name = str(context.get("title") or context.get("label") or "LMS course")[:200]
    if course is None:
        course = Course(
            name=name, join_code=classes.new_join_code(), lti_issuer=issuer,
            lti_context_id=context_id, owner_id=owner.id if owner else None,
        )  # fmt: skip
        db.session.add(course)
    else:
        course.name = name
        if course.owner_id is None and owner is not None:
            course.owner_id = owner.id
    db.session.flush()
    return course


def ensure_enrollment(course: Course, user: User, instructor: bool) -> Enrollment:
    """Enrol the user in the class with the role the LMS gives them there."""
    role = "instructor" if instructor else "learner"
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user.id
        )
    )
    if enrollment is None:
        enrollment = Enrollment(course_id=course.id, user_id=user.id, role=role)
        db.session.add(enrollment)
    else:
        enrollment.role = role
    db.session.flush()
    return enrollment


def _set_from_custom(custom: Mapping[str, Any] | None) -> int | None:
    value = str((custom or {}).get("set_id") or "").strip()
    if not value.isdigit():
        return None
    return db.session.scalar(sa.select(StudySet.id).where(StudySet.id == int(value)))


def ensure_link(
    platform: LtiPlatform, body: Mapping[str, Any], course: Course | None
) -> LtiResourceLink:
    """The resource link (a placement of quizapp in a course) with its service URLs."""
    resource_link = body.get(CLAIM + "resource_link") or {}
    link = db.session.scalar(
        sa.select(LtiResourceLink).where(
            LtiResourceLink.platform_id == platform.id,
            LtiResourceLink.resource_link_id == str(resource_link["id"]),
        )
    )
    if link is None:
        link = LtiResourceLink(platform_id=platform.id, resource_link_id=str(resource_link["id"]))
        db.session.add(link)
    link.deployment_id = str(body.get(CLAIM + "deployment_id"))
    link.context_id = str((body.get(CLAIM + "context") or {}).get("id") or "") or None
    link.course_id = course.id if course else link.course_id
    link.set_id = _set_from_custom(body.get(CLAIM + "custom")) or link.set_id
    ags = body.get(AGS_CLAIM) or {}
    link.lineitem_url = ags.get("lineitem") or link.lineitem_url
    link.lineitems_url = ags.get("lineitems") or link.lineitems_url
    nrps = body.get(NRPS_CLAIM) or {}
    link.memberships_url = nrps.get("context_memberships_url") or link.memberships_url
    db.session.flush()
    return link


def map_launch(platform: LtiPlatform, body: Mapping[str, Any], launch_id: str) -> LaunchResult:
    """Create or update the user, class, enrolment and link a validated launch describes."""
    sub = str(body.get("sub") or "")
    if not sub:
        raise LaunchRejected("Anonymous launches are not supported: the token has no user.")
    instructor = is_instructor(body.get(CLAIM + "roles") or [])
    name = body.get("name") or " ".join(
        part for part in (body.get("given_name"), body.get("family_name")) if part
    )
    user = ensure_user(platform.issuer, sub, name=name, instructor=instructor)
    context = body.get(CLAIM + "context") or {}
    course = None
    if context.get("id"):
        course = ensure_course(platform.issuer, context, user if instructor else None)
        ensure_enrollment(course, user, instructor)
    message_type = str(body.get(CLAIM + "message_type"))
    result = LaunchResult(
        message_type=message_type,
        platform_id=platform.id,
        deployment_id=str(body.get(CLAIM + "deployment_id")),
        user_id=user.id,
        sub=sub,
        instructor=instructor,
        course_id=course.id if course else None,
        origins=platform_origins(platform),
    )
    if message_type == DEEP_LINKING:
        if not instructor:
            raise LaunchRejected("Only instructors can choose what to add to the course.", 403)
        result.launch_id = launch_id
    elif message_type == RESOURCE_LINK:
        link = ensure_link(platform, body, course)
        result.link_id, result.set_id = link.id, link.set_id
    else:
        raise LaunchRejected(f"quizapp does not handle {message_type} messages.")
    return result
