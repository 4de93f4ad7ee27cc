"""Shared pieces of the API: JSON errors, body parsing, field checks and idempotent replies."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

from flask import Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import idempotency
from quizapp.web.api import bp

# Database ids fit a signed 32-bit integer; larger numbers in a URL are simply not found.
MAX_ID = 2**31 - 1
M = TypeVar("M")
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,64}")  # visible ASCII, e.g. a UUID
MAX_ANSWER_TEXT = 2000
MAX_ANSWER_ITEMS = 50
MAX_DEPTH = 16  # levels of nesting in a request body; real ones use three


class ApiError(Exception):
    """An error the API reports as ``{"error": {"code", "message", "field"}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        problems: list[dict[str, Any]] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = dict(headers or {})
        self.problems = problems


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> ResponseReturnValue:
    """Render an ApiError as the API's JSON error body."""
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if error.problems is not None:
        body["problems"] = error.problems
    return jsonify(error=body), error.status, error.headers


def invalid(field: str, message: str, code: str = "invalid_field") -> NoReturn:
    """Refuse a request whose ``field`` is wrong (422)."""
    raise ApiError(422, code, message, field)


def not_found(what: str) -> NoReturn:
    """Refuse with 404: the object does not exist, or not for this caller."""
    raise ApiError(404, "not_found", f"no such {what}")


def get_row(model: type[M], row_id: int) -> M | None:
    """The row with this id, or None; ids outside 1..MAX_ID exist nowhere (and would
    overflow SQLite's integers)."""
    if not 1 <= row_id <= MAX_ID:
        return None
    return db.session.get(model, row_id)


def api_user() -> User:
    """The user this request is authenticated as (set by the auth hook)."""
    user = g.get("api_user")
    if user is None:  # pragma: no cover - the auth hook runs before every protected view
        raise ApiError(401, "authentication_required", "authentication required")
    return user


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- request bodies -------------------------------------------------------------------------


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _check_values(body: Any) -> None:
    """Refuse NUL characters (PostgreSQL text cannot store them) and deep nesting.

    Iterative, so a deeply nested body cannot exhaust the stack here or later.
    """
    stack: list[tuple[str, int, Any]] = [("", 0, body)]
    while stack:
        path, depth, value = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(
                422, "invalid_body", f"the body is nested deeper than {MAX_DEPTH} levels"
            )
        if isinstance(value, str):
            if "\x00" in value:
                invalid(path or "body", "strings may not contain NUL characters")
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    invalid(path or "body", "strings may not contain NUL characters")
                stack.append((f"{path}.{key}" if path else key, depth + 1, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", depth + 1, item) for i, item in enumerate(value))


def json_body(*, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}`` when the body is optional."""
    data = request.get_data(cache=True)  # past MAX_CONTENT_LENGTH this is a 413
    if not data.strip():
        if required:
            raise ApiError(400, "body_required", "send a JSON object as the request body")
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        value = json.loads(data, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_body", "the request body must be a JSON object")
    _check_values(value)
    return value


def integer(body: Mapping[str, Any], name: str, *, low: int, high: int, default: Any = ...) -> Any:
    """An integer field within [low, high] (a missing field is ``default`` when one is given)."""
    if name not in body or body[name] is None:
        if default is not ...:
            return default
        invalid(name, f"{name} is required", "missing_field")
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        invalid(name, f"{name} must be an integer from {low} to {high}")
    return value


def number(body: Mapping[str, Any], name: str, *, low: float, high: float) -> float:
    """A finite number field within [low, high]."""
    value = body[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        invalid(name, f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def text(
    body: Mapping[str, Any], name: str, *, max_len: int, required: bool = False, empty: bool = True
) -> str | None:
    """A string field of at most ``max_len`` characters (None when absent and optional)."""
    if name not in body or body[name] is None:
        if required:
            invalid(name, f"{name} is required", "missing_field")
        return None
    value = body[name]
    if not isinstance(value, str) or len(value) > max_len or (not empty and not value.strip()):
        invalid(name, f"{name} must be a{' non-empty' if not empty else ''} string of at most "
                f"{max_len} characters")  # fmt: skip
    return value


def boolean(body: Mapping[str, Any], name: str, *, default: bool) -> bool:
    """A true/false field (absent: ``default``)."""
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, bool):
        invalid(name, f"{name} must be true or false")
    return value


def _answer_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ANSWER_TEXT


def check_answer(value: Any) -> Any:
    """An answer: a string or number, a list of strings, or a list of [left, right] pairs."""
    single = _answer_text(value) or (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )
    listed = isinstance(value, list) and len(value) <= MAX_ANSWER_ITEMS
    if not (
        single
        or (listed and all(_answer_text(v) for v in value))
        or (
            listed
            and all(
                isinstance(p, list) and len(p) == 2 and all(map(_answer_text, p)) for p in value
            )
        )
    ):
        invalid(
            "answer",
            f"answer must be a string or number, a list of strings, or a list of [left, right] "
            f"pairs (at most {MAX_ANSWER_ITEMS} entries of {MAX_ANSWER_TEXT} characters)",
        )
    return value


# --- idempotent replies ------------------------------------------------------------------------


def idempotency_key(*, required: bool) -> str | None:
    """The request's Idempotency-Key header (1 to 64 visible ASCII characters)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        if required:
            raise ApiError(
                400,
                "idempotency_key_required",
                f"send an {IDEMPOTENCY_HEADER} header (e.g. a UUID) so retries count once",
                IDEMPOTENCY_HEADER,
            )
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{IDEMPOTENCY_HEADER} must be 1 to 64 visible ASCII characters",
            IDEMPOTENCY_HEADER,
        )
    return key


def reply(status: int, body: Any, *, replayed: bool = False) -> Response:
    """A JSON response; a replayed one says so in Idempotent-Replayed."""
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def once(key: str | None, body: Any, work: Callable[[], idempotency.Reply]) -> Response:
    """Run ``work`` at most once per Idempotency-Key and commit; repeats replay its reply."""
    if key is None:
        result = work()
    else:
        digest = idempotency.request_hash(request.method, request.path, body)
        try:
            result = idempotency.run_once(
                api_user(), key, f"{request.method} {request.path}", digest, work
            )
        except idempotency.KeyReused as exc:
            raise ApiError(422, "idempotency_key_reused", str(exc), IDEMPOTENCY_HEADER) from None
    db.session.commit()
    return reply(result.status, result.body, replayed=result.replayed)
