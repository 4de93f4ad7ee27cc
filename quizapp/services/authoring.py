"""Instructor use cases over items: approve, drop, edit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from quizapp.domain.items import validate_item
from quizapp.extensions import db
from quizapp.models import Item, ItemStatus, SetShare, StudySet, User


class ItemInvalid(ValueError):
    """The edited item is inconsistent; ``problems`` names each field."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def can_edit(user: User, study_set: StudySet) -> bool:
    """Owners and instructors they shared with edit a set; admins edit every set."""
    if user.is_admin or (study_set.owner_id is not None and study_set.owner_id == user.id):
        return True
    return user.is_instructor and bool(
        db.session.scalar(
            sa.select(SetShare.id).where(
                SetShare.set_id == study_set.id, SetShare.user_id == user.id
            )
        )
    )


def sets_for(user: User) -> list[StudySet]:
    """Sets the user may edit: their own and those shared with them (admins: all)."""
    query = sa.select(StudySet).order_by(StudySet.created_at.desc(), StudySet.id.desc())
    if not user.is_admin:
        shared = sa.select(SetShare.set_id).where(SetShare.user_id == user.id)
        query = query.where(sa.or_(StudySet.owner_id == user.id, StudySet.id.in_(shared)))
    return list(db.session.scalars(query))


def set_status(item: Item, status: str) -> None:
    """Approve or drop an item; approving in a published set publishes it straight away."""
    if status == ItemStatus.APPROVED and item.study_set.is_published:
        status = ItemStatus.PUBLISHED
    item.status = status


def approve_all(study_set: StudySet) -> int:
    """Approve every draft item; returns how many changed."""
    changed = 0
    for item in study_set.items:
        if item.status == ItemStatus.DRAFT:
            set_status(item, ItemStatus.APPROVED)
            changed += 1
    return changed


def update_item(item: Item, changes: dict[str, Any]) -> None:
    """Apply edited fields after checking the result is a consistent item."""
    current = {
        "type": item.type, "prompt": item.prompt, "back": item.back, "choices": item.choices,
        "answers": item.answers, "pairs": item.pairs, "explanation": item.explanation,
        "tags": item.tags, "numeric": item.numeric,
    }  # fmt: skip
    merged = current | changes
    problems = validate_item(merged)
    if problems:
        raise ItemInvalid(problems)
    for key, value in changes.items():
        setattr(item, key, value)
    db.session.flush()
