"""Idempotency keys: the first reply to a keyed request is stored and replayed for repeats.

A reply is keyed by (user, key) and remembers a hash of the request it answered, so the
same key sent with a different request is refused instead of silently replayed. The work
and the stored reply commit together; a concurrent duplicate loses on the unique
constraint, its work is rolled back to a savepoint, and it replays the winner's reply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quizapp.extensions import db
from quizapp.models import IdempotentReply, User


class KeyReused(ValueError):
    """The key was already used for a different request."""


class AlreadyDone(Exception):
    """Raised by work that finds its effect already applied (say, the item was answered).

    With a concurrent duplicate of the same key, that is the other request's doing and its
    stored reply is replayed; otherwise the exception reaches the caller.
    """


@dataclass(frozen=True)
class Reply:
    """A status code and JSON body; ``replayed`` when it is a stored first reply."""

    status: int
    body: Any
    replayed: bool = False


def request_hash(method: str, path: str, body: Any) -> str:
    """A stable hash of what was asked: method, path and the body as canonical JSON."""
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def find_reply(user: User, key: str) -> IdempotentReply | None:
    """The reply stored for this user's key, if any."""
    return db.session.scalar(
        sa.select(IdempotentReply).where(
            IdempotentReply.user_id == user.id, IdempotentReply.key == key
        )
    )


def _replay(stored: IdempotentReply, digest: str) -> Reply:
    if stored.request_hash != digest:
        raise KeyReused("this Idempotency-Key was already used for a different request")
    return Reply(stored.status_code, stored.body, replayed=True)


def run_once(user: User, key: str, endpoint: str, digest: str, work: Callable[[], Reply]) -> Reply:
    """Run ``work`` once per (user, key); repeats get the stored reply back.

    ``work`` runs inside a savepoint with the reply it returns stored beside it; when it
    raises, nothing it did is kept and nothing is stored, so the request may be retried.
    The caller commits.

    :raises KeyReused: the key was used before for a request with another hash.
    """
    stored = find_reply(user, key)
    if stored is not None:
        return _replay(stored, digest)
    try:
        with db.session.begin_nested():
            reply = work()
            db.session.add(
                IdempotentReply(
                    user_id=user.id,
                    key=key,
                    endpoint=endpoint[:200],
                    request_hash=digest,
                    status_code=reply.status,
                    body=reply.body,
                )
            )
            db.session.flush()
    except (IntegrityError, AlreadyDone):
        # A concurrent request with the same key committed first: its reply stands.
        stored = find_reply(user, key)
        if stored is None:
            raise
        return _replay(stored, digest)
    return reply


def purge_before(cutoff: datetime) -> int:
    """Delete replies stored before ``cutoff``; returns how many went."""
    result = db.session.execute(
        sa.delete(IdempotentReply).where(IdempotentReply.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
