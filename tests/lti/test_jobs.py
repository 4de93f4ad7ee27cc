"""The job outbox: atomic claims (SKIP LOCKED on PostgreSQL, compare-and-set on SQLite),
back-off, permanent failures kept visible, stale claims released. Runs on every backend
the shared ``app`` fixture offers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.models import Job, utcnow
from quizapp.services import jobs
from quizapp.services.jobs import PermanentJobError, RetryPolicy

POLICY = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=25, lock_timeout_seconds=60)


def add_jobs(app, count: int, kind: str = "test") -> list[int]:
    with app.app_context():
        ids = [jobs.enqueue(kind, {"n": n}).id for n in range(count)]
        db.session.commit()
        return ids


def test_claim_is_exclusive_and_counts_the_attempt(app):
    (job_id,) = add_jobs(app, 1)
    with app.app_context():
        (claimed,) = jobs.claim_due("w1")
        assert (claimed.id, claimed.status, claimed.attempts) == (job_id, "running", 1)
        assert claimed.locked_by == "w1" and claimed.locked_at is not None
        assert jobs.claim_due("w2") == []


def test_jobs_not_yet_due_are_not_claimed(app):
    with app.app_context():
        jobs.enqueue("test", {}, run_after=utcnow() + timedelta(minutes=5))
        db.session.commit()
        assert jobs.claim_due("w1") == []


def test_two_workers_never_claim_the_same_job(app):
    ids = add_jobs(app, 24)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            with app.app_context():
                start.wait()
                while batch := jobs.claim_due(name, limit=3):
                    claimed[name] += [job.id for job in batch]
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == ids


def test_failures_back_off_then_stay_failed_with_their_error(app):
    (job_id,) = add_jobs(app, 1)

    def broken(job: Job) -> None:
        raise ConnectionError("LMS unreachable")

    with app.app_context():
        delays = []
        for expected in ("pending", "pending", "failed"):
            (job,) = jobs.claim_due("w", now=utcnow() + timedelta(hours=1))
            before = utcnow()
            assert jobs.run(job, {"test": broken}, policy=POLICY) == expected
            job = db.session.get(Job, job_id)
            assert job.last_error == "ConnectionError: LMS unreachable"
            if expected == "pending":
                delays.append(round((job.run_after - before).total_seconds()))
        assert delays == [10, 20]  # base, then doubled
        assert job.finished_at is not None and job.attempts == 3
        assert jobs.claim_due("w", now=utcnow() + timedelta(days=1)) == []  # kept, not retried
        jobs.retry_now(job)
        db.session.commit()
        (again,) = jobs.claim_due("w")
        assert again.id == job_id and again.attempts == 1
        assert again.payload["manual_retries"] == 1


def test_permanent_errors_and_unknown_kinds_fail_at_once(app):
    first, second = add_jobs(app, 2)

    def gone(job: Job) -> None:
        raise PermanentJobError("the attempt was deleted")

    with app.app_context():
        batch = jobs.claim_due("w")
        assert jobs.run(batch[0], {"test": gone}, policy=POLICY) == "failed"
        assert jobs.run(batch[1], {}, policy=POLICY) == "failed"
        assert "no handler for job kind 'test'" in db.session.get(Job, second).last_error


def test_a_handlers_writes_roll_back_when_it_fails(app):
    add_jobs(app, 1)

    def half_done(job: Job) -> None:
        job.payload = {"half": "done"}
        db.session.flush()
        raise RuntimeError("boom")

    with app.app_context():
        (job,) = jobs.claim_due("w")
        jobs.run(job, {"test": half_done}, policy=POLICY)
        assert db.session.get(Job, job.id).payload == {"n": 0}


def test_a_dead_workers_claim_is_released(app):
    (job_id,) = add_jobs(app, 1)
    with app.app_context():
        jobs.claim_due("dead-worker")
        assert jobs.claim_due("w", policy=POLICY) == []
        later = utcnow() + timedelta(seconds=POLICY.lock_timeout_seconds + 1)
        (job,) = jobs.claim_due("w", policy=POLICY, now=later)
        assert (job.id, job.locked_by, job.attempts) == (job_id, "w", 2)


def test_work_runs_due_jobs_up_to_max_jobs(app):
    add_jobs(app, 3)
    seen = []
    with app.app_context():
        report = jobs.work("w", {"test": lambda job: seen.append(job.payload["n"])}, max_jobs=2)
        assert report.done and len(report.done) == 2 and report.ran == 2
        report = jobs.work("w", {"test": lambda job: seen.append(job.payload["n"])})
        assert report.ran == 1
        assert sorted(seen) == [0, 1, 2]
        statuses = set(db.session.scalars(sa.select(Job.status)))
        assert statuses == {"done"}


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (5, 480), (12, 3600)])
def test_backoff_is_exponential_and_capped(attempts, seconds):
    assert RetryPolicy().delay(attempts) == timedelta(seconds=seconds)
