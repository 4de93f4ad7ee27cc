"""The job outbox: enqueue work in the caller's transaction, let workers claim and run it.

A job is enqueued in the same transaction as the change that needs it (a finished attempt
and its grade passback commit together or not at all). Workers claim due jobs atomically,
so two workers never run the same job: ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a compare-and-set ``UPDATE ... WHERE status = 'pending'`` on SQLite. A failed
job is retried with exponential back-off; after the last attempt it stays ``failed`` with
its error, visible and retryable, never dropped.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Job, utcnow


class JobStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PermanentJobError(Exception):
    """Retrying cannot help (the attempt or link is gone): the job fails at once."""


Handler = Callable[[Job], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how late failed jobs are retried, and when a claim counts as stale."""

    max_attempts: int = 10
    base_seconds: int = 30
    max_seconds: int = 3600
    lock_timeout_seconds: int = 600

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetryPolicy:
        return cls(
            max_attempts=int(config.get("JOB_MAX_ATTEMPTS", 10)),
            base_seconds=int(config.get("JOB_BACKOFF_BASE_SECONDS", 30)),
            max_seconds=int(config.get("JOB_BACKOFF_MAX_SECONDS", 3600)),
            lock_timeout_seconds=int(config.get("JOB_LOCK_TIMEOUT_SECONDS", 600)),
        )

    def delay(self, attempts: int) -> timedelta:
        """Back-off after the ``attempts``-th failure: base, 2×base, 4×base... capped."""
        seconds = self.base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_seconds))


@dataclass
class WorkReport:
    """What one worker run did."""

    done: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return len(self.done) + len(self.retried) + len(self.failed)


def new_worker_id() -> str:
    """A name for this worker process, kept on the jobs it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def enqueue(kind: str, payload: dict[str, Any], *, run_after: datetime | None = None) -> Job:
    """Add a job to the caller's transaction; it becomes visible to workers on commit."""
    job = Job(kind=kind, payload=payload, status=JobStatus.PENDING, run_after=run_after or utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def release_stale(policy: RetryPolicy, now: datetime | None = None) -> int:
    """Put back jobs whose worker died mid-run (claimed longer ago than the lock timeout)."""
    now = now or utcnow()
    stale = now - timedelta(seconds=policy.lock_timeout_seconds)
    result = db.session.execute(
        sa.update(Job)
        .where(Job.status == JobStatus.RUNNING, Job.locked_at < stale)
        .values(status=JobStatus.PENDING, locked_by=None, locked_at=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def claim_due(
    worker_id: str,
    limit: int = 10,
    *,
    policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> list[Job]:
    """Atomically claim up to ``limit`` due jobs for this worker and commit the claim."""
    now = now or utcnow()
    release_stale(policy or RetryPolicy(), now)
    due = (
        sa.select(Job.id)
        .where(Job.status == JobStatus.PENDING, Job.run_after <= now)
        .order_by(Job.run_after, Job.id)
    )
    claim = {"status": JobStatus.RUNNING, "locked_by": worker_id, "locked_at": now}
    if db.engine.dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        ids = list(db.session.scalars(due.limit(limit).with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(
                sa.update(Job).where(Job.id.in_(ids)).values(attempts=Job.attempts + 1, **claim)
            )
    else:
        ids = []
        for job_id in db.session.scalars(due.limit(limit * 2)):
            # Compare-and-set: only one worker's UPDATE finds the job still pending.
            result = db.session.execute(
                sa.update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.PENDING)
                .values(attempts=Job.attempts + 1, **claim)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                ids.append(job_id)
            if len(ids) >= limit:
                break
    db.session.commit()
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Job).where(Job.id.in_(ids)).order_by(Job.id)))


def run(
    job: Job,
    handlers: Mapping[str, Handler],
    *,
    policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> str:
    """Run one claimed job and record the outcome; returns the job's new status."""
    policy = policy or RetryPolicy()
    job_id = job.id
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise PermanentJobError(f"no handler for job kind {job.kind!r}")
        handler(job)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is lost
        db.session.rollback()
        job = db.session.get(Job, job_id)  # type: ignore[assignment]
        _record_failure(job, exc, policy, now or utcnow())
    else:
        job.status, job.finished_at = JobStatus.DONE, now or utcnow()
        job.last_error, job.locked_by, job.locked_at = None, None, None
    db.session.commit()
    return job.status


def _record_failure(job: Job, exc: Exception, policy: RetryPolicy, now: datetime) -> None:
    job.last_error = f"{type(exc).__name__}: {exc}"[:4000]
    job.locked_by, job.locked_at = None, None
    if isinstance(exc, PermanentJobError) or job.attempts >= policy.max_attempts:
        job.status, job.finished_at = JobStatus.FAILED, now
    else:
        job.status, job.run_after = JobStatus.PENDING, now + policy.delay(job.attempts)


def work(
    worker_id: str,
    handlers: Mapping[str, Handler],
    *,
    policy: RetryPolicy | None = None,
    batch: int = 10,
    max_jobs: int | None = None,
) -> WorkReport:
    """Claim and run due jobs until none is due (or ``max_jobs`` have run)."""
    report = WorkReport()
    outcome = {JobStatus.DONE: report.done, JobStatus.PENDING: report.retried}
    while max_jobs is None or report.ran < max_jobs:
        limit = batch if max_jobs is None else min(batch, max_jobs - report.ran)
        jobs = claim_due(worker_id, limit, policy=policy)
        if not jobs:
            break
        for job in jobs:
            job_id = job.id
            status = run(job, handlers, policy=policy)
            outcome.get(status, report.failed).append(job_id)
    return report


def retry_now(job: Job) -> None:
    """Make a failed or waiting job due again right away (an instructor's "retry")."""
    if job.status in (JobStatus.FAILED, JobStatus.PENDING):
        # A fresh round of attempts; the payload keeps count of manual retries.
        retries = int(job.payload.get("manual_retries", 0)) + 1
        job.payload = {**job.payload, "manual_retries": retries}
        job.status, job.run_after, job.finished_at, job.attempts = (
            JobStatus.PENDING, utcnow(), None, 0,
        )  # fmt: skip
        db.session.flush()


def default_handlers(config: Mapping[str, Any]) -> dict[str, Handler]:
    """Every job kind quizapp knows how to run, configured from the app's config."""
    from functools import partial

    from quizapp.services import lti_ags
    from quizapp.services.lti_common import LtiSettings

    settings = LtiSettings.from_config(config)
    return {lti_ags.AGS_SCORE: partial(lti_ags.send_score, settings=settings)}
