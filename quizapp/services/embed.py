"""Embedded study: who the learner is inside another site's frame, without cookies.

Browsers that block third-party cookies drop a session cookie set inside an iframe, so an
embedded page carries a *pass*: a signed, expiring token (itsdangerous) naming the set,
the learner (a guest, or an LMS user after an LTI launch) and, for LMS launches, the
resource link whose line item gets the score. Every page re-signs it, so it expires only
after a stretch of inactivity. Because the pass travels in URLs and form fields, never in
a cookie, a forged cross-site request cannot borrow it: it also serves as the CSRF secret
of embedded forms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptMode, StudySet, User
from quizapp.services import accounts, study

PASS_SALT = "quizapp-embed-pass-v1"  # noqa: S105 - a salt name, not a secret
LEARNER_COOKIE_SALT = "quizapp-embed-learner-v1"
LEARNER_COOKIE = "quizapp_embed_learner"


class EmbedError(ValueError):
    """An embedded request quizapp refuses (expired or forged pass...); shown as a 4xx page."""

    def __init__(self, message: str, status: int = 403, origins: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.origins = origins  # who may frame the error page (an expired pass's LMS)


@dataclass(frozen=True)
class EmbedPass:
    """What an embedded page knows about its learner, carried in a signed token."""

    set_id: int | None = None
    user_id: int | None = None
    link_id: int | None = None  # an LMS resource link: scores go back to its line item
    sub: str | None = None  # the learner's LMS subject (AGS userId)
    instructor: bool = False
    launch_id: str | None = None  # a stored deep-linking launch
    origins: tuple[str, ...] = field(default_factory=tuple)  # LMS origins allowed to frame

    def with_user(self, user: User) -> EmbedPass:
        return replace(self, user_id=user.id)

    def payload(self) -> dict[str, Any]:
        data = {key: value for key, value in asdict(self).items() if value not in (None, False, ())}
        if "origins" in data:
            data["origins"] = list(data["origins"])
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> EmbedPass:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["origins"] = tuple(known.get("origins") or ())
        return cls(**known)


class PassSigner:
    """Signs and checks passes and the guest cookie with the app's secret key."""

    def __init__(self, secret_key: str, max_age_seconds: int, cookie_days: int = 30) -> None:
        self._passes = URLSafeTimedSerializer(secret_key, salt=PASS_SALT)
        self._cookies = URLSafeTimedSerializer(secret_key, salt=LEARNER_COOKIE_SALT)
        self.max_age = max_age_seconds
        self.cookie_max_age = cookie_days * 86400

    def dumps(self, embed_pass: EmbedPass) -> str:
        return str(self._passes.dumps(embed_pass.payload()))

    def loads(self, token: str) -> EmbedPass:
        try:
            data = self._passes.loads(token, max_age=self.max_age)
        except SignatureExpired as exc:
            # The signature is genuine, only old: its LMS may still frame the error page.
            data = self._passes.load_payload(exc.payload) if exc.payload else {}
            origins = tuple(data.get("origins") or ()) if isinstance(data, dict) else ()
            raise EmbedError(
                "This embedded page expired after a long pause. Reload the page (or open the "
                "activity again from your course) to go on.",
                status=400,
                origins=origins,
            ) from exc
        except BadSignature as exc:
            raise EmbedError("This link or form was not issued by quizapp.") from exc
        if not isinstance(data, dict):
            raise EmbedError("This link or form was not issued by quizapp.")
        return EmbedPass.from_payload(data)

    def learner_cookie(self, user: User) -> str:
        return str(self._cookies.dumps({"u": user.id}))

    def guest_from_cookie(self, value: str | None) -> int | None:
        """The guest learner a frame cookie remembers, if it is valid and still a guest."""
        if not value:
            return None
        try:
            data = self._cookies.loads(value, max_age=self.cookie_max_age)
        except BadSignature:
            return None
        user = db.session.get(User, int(data.get("u") or 0)) if isinstance(data, dict) else None
        return user.id if user is not None and user.is_guest else None


def learner(embed_pass: EmbedPass) -> tuple[User, EmbedPass]:
    """The pass's learner; an anonymous visitor becomes a guest on their first answer."""
    if embed_pass.user_id is not None:
        user = db.session.get(User, embed_pass.user_id)
        if user is None:
            raise EmbedError("This learner no longer exists. Reload the page.", status=404)
        return user, embed_pass
    guest = accounts.create_guest()
    return guest, embed_pass.with_user(guest)


def visible_set(set_id: int) -> StudySet:
    """A published set (embeds show nothing else)."""
    study_set = db.session.get(StudySet, set_id)
    if study_set is None or not study_set.is_published:
        raise EmbedError("This study set does not exist or is not published.", status=404)
    return study_set


def check_set(embed_pass: EmbedPass, set_id: int) -> None:
    """A pass is for one set: it cannot be replayed against another."""
    if embed_pass.set_id is not None and embed_pass.set_id != set_id:
        raise EmbedError("This page belongs to another study set.")


def own_attempt(embed_pass: EmbedPass, attempt_id: int) -> Attempt:
    """The pass's learner's attempt at the pass's set; anyone else's does not exist."""
    attempt = db.session.get(Attempt, attempt_id)
    if (
        attempt is None
        or embed_pass.user_id is None
        or attempt.user_id != embed_pass.user_id
        or attempt.set_id != embed_pass.set_id
    ):
        raise EmbedError("This quiz attempt does not exist.", status=404)
    return attempt


def open_attempt(embed_pass: EmbedPass, study_set: StudySet) -> Attempt | None:
    """The learner's unfinished embedded attempt at this set (for "continue")."""
    if embed_pass.user_id is None:
        return None
    return db.session.scalar(
        sa.select(Attempt)
        .where(
            Attempt.user_id == embed_pass.user_id,
            Attempt.set_id == study_set.id,
            Attempt.finished_at.is_(None),
            Attempt.mode == AttemptMode.PRACTICE,
            (
                Attempt.lti_link_id == embed_pass.link_id
                if embed_pass.link_id
                else Attempt.lti_link_id.is_(None)
            ),
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )


def start_quiz(embed_pass: EmbedPass, study_set: StudySet) -> tuple[Attempt, EmbedPass]:
    """Start a practice quiz; an LMS launch ties it to the link for grade passback."""
    user, embed_pass = learner(embed_pass)
    attempt = study.start_attempt(user, study_set, AttemptMode.PRACTICE)
    if embed_pass.link_id:
        attempt.lti_link_id, attempt.lti_user_sub = embed_pass.link_id, embed_pass.sub
        db.session.flush()
    return attempt, embed_pass


def finish_quiz(attempt: Attempt) -> Attempt:
    """Finish the attempt and, in the same transaction, queue its grade passback."""
    # Imported here: lti_ags loads pylti1p3, which nothing at start-up needs.
    from quizapp.services import lti_ags

    study.finish_attempt(attempt)
    lti_ags.on_attempt_finished(attempt)
    return attempt
