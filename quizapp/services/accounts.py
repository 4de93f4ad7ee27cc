"""Account use cases: loading sessions, creating users, guests and registration."""

from __future__ import annotations

import secrets
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from quizapp.extensions import db
from quizapp.models import Role, User


class AccountError(ValueError):
    """A user-facing problem with account data (taken username, bad role...)."""


@cache
def _user_by_id() -> sa.Select:
    # Runs on every request: a cached select costs 2/3 of what session.get does.
    return sa.select(User).where(User.id == sa.bindparam("id"))


def user_id_of(identity: str | None) -> int | None:
    """The user id in a session identity (``id:session_version``), if it has one."""
    user_id = (identity or "").partition(":")[0]
    return int(user_id) if user_id.isdigit() else None


def load_user(identity: str) -> User | None:
    """Flask-Login loader: ``id:session_version``, rejecting sessions from before a bump.

    A view that already read this user's row in its own query (quizapp.web.signed_in;
    the question page reads the attempt with its owner) has it in the session's identity
    map: no second SELECT.
    """
    user_id = user_id_of(identity)
    if user_id is None:
        return None
    user = db.session.identity_map.get(Session.identity_key(User, user_id))
    if user is None:
        user = db.session.scalar(_user_by_id(), {"id": user_id})
    version = identity.partition(":")[2]
    if user is None or str(user.session_version) != version:
        return None
    return user


def find_user(username: str) -> User | None:
    """Look a user up by username, case-insensitively."""
    query = sa.select(User).where(sa.func.lower(User.username) == username.lower())
    return db.session.scalar(query)


def create_user(
    username: str, password: str, *, role: str = Role.LEARNER, email: str | None = None
) -> User:
    """Create a registered user; raises AccountError if the name or email is taken."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}; use learner, instructor or admin")
    if find_user(username):
        raise AccountError(f"username {username!r} is taken")
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError(f"email {email!r} is already registered")
    user = User(username=username, email=email or None, role=str(role))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_guest() -> User:
    """Create an anonymous learner whose progress can later move into a real account."""
    user = User(username=f"guest-{secrets.token_hex(8)}", is_guest=True, role=Role.LEARNER)
    db.session.add(user)
    db.session.flush()
    return user


def register(guest: User | None, username: str, password: str, email: str | None) -> User:
    """Register; a guest keeps their rows because the guest account itself is upgraded."""
    if guest is None or not guest.is_guest:
        return create_user(username, password, email=email)
    if find_user(username):
        raise AccountError(f"username {username!r} is taken")
    guest.username, guest.email, guest.is_guest = username, email or None, False
    guest.set_password(password)
    guest.session_version += 1
    db.session.flush()
    return guest
