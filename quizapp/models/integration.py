"""API tokens, idempotent replies, LTI 1.3 platforms and launches, and the job outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.model_base import utcnow
from quizapp.models.content import JSONType


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="API token")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotentReply(db.Model):
    """The first reply to a request sent with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotent_reply"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    endpoint: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    body: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SetShare(db.Model):
    """Another instructor given access to edit a set."""

    __tablename__ = "set_share"
    __table_args__ = (sa.UniqueConstraint("set_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("study_set.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiPlatform(db.Model):
    """An LMS registered as an LTI 1.3 platform (issuer + client id)."""

    __tablename__ = "lti_platform"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(200))
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    key_set_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_audience: Mapped[str | None] = mapped_column(sa.String(1000))
    deployment_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The platform's JWKS, cached with a TTL instead of fetched on every launch.
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    key_set_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiToolKey(db.Model):
    """quizapp's own RSA key pairs for signing (JWKS at /lti/jwks); rotated by CLI."""

    __tablename__ = "lti_tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # The private key's PEM encrypted by services.lti_keys (a Fernet token), or the PEM
    # itself in rows from before encryption; the column keeps its old name.
    stored_private_key: Mapped[str] = mapped_column("private_key_pem", sa.Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class LtiNonce(db.Model):
    """Nonces and states already used: a launch token is never accepted twice."""

    __tablename__ = "lti_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="nonce")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiIdentity(db.Model):
    """An LMS user (issuer + subject) mapped to a quizapp account."""

    __tablename__ = "lti_identity"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiResourceLink(db.Model):
    """A placement of a study set in an LMS course, with its AGS line item."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (sa.UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    context_id: Mapped[str | None] = mapped_column(sa.String(255))
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="SET NULL"), index=True
    )
    set_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("study_set.id", ondelete="SET NULL"), index=True
    )
    lineitem_url: Mapped[str | None] = mapped_column(sa.String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(sa.String(1000))
    memberships_url: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(db.Model):
    """A durable unit of background work (grade passback, large imports): the outbox.

    Workers claim due jobs with row locks (SKIP LOCKED on PostgreSQL); a failed job is
    retried with back-off and its last error stays visible.
    """

    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    locked_by: Mapped[str | None] = mapped_column(sa.String(100))
    locked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class RateLimitCounter(db.Model):
    """A fixed-window rate-limit counter (see quizapp.ratelimit_storage)."""

    __tablename__ = "rate_limit"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(sa.Double, index=True)
