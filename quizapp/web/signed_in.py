"""Read the signed-in user's row inside a query the view runs anyway.

Flask-Login loads the user with a query of its own on the first use of ``current_user``:
one statement on every request, a tenth of the CPU of the lightest ones (an answer, a
rating). A view that reads some row first can bring the user's row along in the same
statement; the session loader (``accounts.load_user``) then finds it in the session's
identity map. Whether the session is valid stays Flask-Login's and the loader's decision:
this only decides where the row comes from.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import session
from flask_login import current_user

from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts

# Where Flask-Login's login_user() keeps get_id(): "id:session_version" for quizapp.
FLASK_LOGIN_SESSION_KEY = "_user_id"
USER_ID_PARAM = "signed_in_user_id"


def with_signed_in_user(query: sa.Select) -> sa.Select:
    """``query`` with the signed-in user's row as its last column (None when nobody is
    signed in); run it with ``first_with_signed_in_user``."""
    return query.add_columns(User).outerjoin(User, User.id == sa.bindparam(USER_ID_PARAM))


def first_with_signed_in_user(query: sa.Select, params: dict[str, Any]) -> sa.Row | None:
    """The first row of a ``with_signed_in_user`` query; the session's user is loaded."""
    user_id = accounts.user_id_of(session.get(FLASK_LOGIN_SESSION_KEY)) or 0  # 0: no row
    row = db.session.execute(query, {**params, USER_ID_PARAM: user_id}).first()
    # The identity map holds rows only while something references them: let Flask-Login
    # load the user now, while this row does.
    current_user._get_current_object()  # type: ignore[attr-defined]
    return row
