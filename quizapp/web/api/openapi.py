"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Operation ids are the view names, so a test can hold the document and the routes together.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from quizapp.domain import banks as bank_formats
from quizapp.domain.items import ITEM_TYPES
from quizapp.web.api import bp
from quizapp.web.api.common import MAX_ANSWER_ITEMS, MAX_ANSWER_TEXT, MAX_ID

Schema = dict[str, Any]

DESCRIPTION = """\
quizapp's JSON API for mobile apps, LMS widgets and scripts.

**Authentication.** `POST /tokens` exchanges a username and password for a bearer token;
send it as `Authorization: Bearer <token>` on every other call. Tokens expire (30 days by
default) and can be listed and revoked on the /auth/tokens page. A browser signed in to
quizapp may call the API with its session cookie instead; such calls must then send the
page's CSRF token in an `X-CSRFToken` header on POST, PATCH and DELETE.

**Errors** are always JSON: `{"error": {"code", "message", "field"}}`, where `field` names the
request field (or header) at fault, or is null. Request bodies are JSON objects (the bank
upload may also be multipart), nested at most 16 levels, without NUL characters.

**Retries.** Answering a question and reviewing a card require an `Idempotency-Key` header
(1 to 64 visible ASCII characters, e.g. a UUID): the first reply to a key is stored and sent
again, byte for byte, for every repeat (with `Idempotent-Replayed: true`), and nothing is
recorded twice, even when the repeats arrive at the same moment. The same key with a
different request is refused with 422 `idempotency_key_reused`. Starting an attempt accepts
the header too.

**Test mode.** Answers in a test-mode attempt are graded at once and the reply keeps its
documented shape (`correct` and `score` are given), but `explanation` is the empty string
until the attempt is finished: the reply to `POST /attempts/{attempt_id}/finish` lists
every answer with its explanation.

**Flashcards.** A card's `card_id` is the id of its flashcard item: `GET /review/due` lists
due cards first, then new cards up to the learner's daily limit (without `set_id`, new cards
come only from sets the learner has started), and `POST /review/{card_id}` rates one.
"""


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def array(items: Schema, **extra: Any) -> Schema:
    """An array schema."""
    return {"type": "array", "items": items, **extra}


STR: Schema = {"type": "string"}
NULLABLE_STR: Schema = {"type": ["string", "null"]}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
ID_SCHEMA: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATETIME: Schema = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME: Schema = {"type": ["string", "null"], "format": "date-time"}
COUNTS: Schema = array({"type": "integer", "minimum": 0})


def bounded(max_len: int, *, nullable: bool = False, non_empty: bool = False) -> Schema:
    """A string schema of at most ``max_len`` characters."""
    schema: Schema = {"type": ["string", "null"] if nullable else "string", "maxLength": max_len}
    if non_empty:
        schema |= {"minLength": 1, "description": "not blank"}
    return schema


PROBLEM = obj(
    {
        "message": STR,
        "line": {"type": ["integer", "null"]},
        "field": NULLABLE_STR,
        "title": STR,
        "type": STR,
    },
    required=["message"],
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": STR,
                    "message": STR,
                    "field": NULLABLE_STR,
                    "problems": array(PROBLEM),
                },
                required=["code", "message", "field"],
            )
        }
    ),
    "TokenRequest": obj(
        {
            "username": bounded(80, non_empty=True),
            "password": bounded(200, non_empty=True),
            "name": bounded(100, nullable=True),
        },
        required=["username", "password"],
    ),
    "Token": obj({"token": STR, "token_id": INT, "expires_at": DATETIME}),
    "SetSummary": obj({"id": INT, "title": STR, "description": STR, "item_count": INT}),
    "LearnerItem": obj(
        {
            "id": INT,
            "type": {"type": "string", "enum": list(ITEM_TYPES)},
            "title": NULLABLE_STR,
            "prompt": STR,
            "prompt_format": STR,
            "points": NUM,
            "choices": array(STR, description="mcq, multi and true_false"),
            "left": array(STR, description="matching: the items to match, in order"),
            "right": array(STR, description="matching: the targets, sorted apart from the key"),
            "gaps": {"type": "integer", "description": "cloze: the number of _____ gaps"},
        },
        required=["id", "type", "title", "prompt", "prompt_format", "points"],
        description="An item without its answer key.",
    ),
    "SetDetail": obj(
        {
            "id": INT,
            "title": STR,
            "description": STR,
            "item_count": INT,
            "items": array(ref("LearnerItem")),
        }
    ),
    "AttemptRequest": obj(
        {"mode": {"type": "string", "enum": ["practice", "test"], "default": "practice"}},
        required=[],
    ),
    "Attempt": obj(
        {
            "attempt_id": INT,
            "mode": {"type": "string", "enum": ["practice", "test"]},
            "item_ids": array(INT, description="the attempt's items, in the order to ask them"),
            "deadline": NULLABLE_DATETIME,
        }
    ),
    "Answer": {
        "description": (
            "A string (or number) for single-answer types, a list of strings for multi "
            "(and for a cloze with several gaps), a list of [left, right] pairs for matching."
        ),
        "anyOf": [
            {"type": "string", "maxLength": MAX_ANSWER_TEXT},
            {"type": "number"},
            array({"type": "string", "maxLength": MAX_ANSWER_TEXT}, maxItems=MAX_ANSWER_ITEMS),
            array(
                array({"type": "string", "maxLength": MAX_ANSWER_TEXT}, minItems=2, maxItems=2),
                maxItems=MAX_ANSWER_ITEMS,
            ),
        ],
    },
    "AnswerRequest": obj({"item_id": ID_SCHEMA, "answer": ref("Answer")}),
    "AnswerResult": obj(
        {
            "item_id": INT,
            "correct": BOOL,
            "score": NUM,
            "max_score": NUM,
            "explanation": {
                "type": "string",
                "description": "empty in test mode until the attempt is finished",
            },
        }
    ),
    "FinishResult": obj(
        {
            "attempt_id": INT,
            "score": NUM,
            "max_score": NUM,
            "finished_at": NULLABLE_DATETIME,
            "responses": array(ref("AnswerResult")),
        }
    ),
    "DueCard": obj(
        {
            "card_id": {"type": "integer", "description": "the flashcard item's id"},
            "set_id": INT,
            "prompt": STR,
            "back": STR,
            "state": {"type": "string", "enum": ["new", "learning", "review", "relearning"]},
            "due": NULLABLE_DATETIME,
            "reps": INT,
        }
    ),
    "DueCards": obj({"cards": array(ref("DueCard"))}),
    "ReviewRequest": obj(
        {
            "rating": {"type": "integer", "minimum": 1, "maximum": 4},
            "duration_ms": {"type": ["integer", "null"], "minimum": 0, "maximum": 86_400_000},
        },
        required=["rating"],
    ),
    "ReviewResult": obj(
        {
            "card_id": INT,
            "due": DATETIME,
            "state": {"type": "string", "enum": ["learning", "review", "relearning"]},
            "reps": INT,
        }
    ),
    "Progress": obj(
        {
            "answered": INT,
            "reviewed": INT,
            "streak": INT,
            "forecast": COUNTS,
            "history": array(obj({"date": {"type": "string", "format": "date"}, "count": INT})),
            "sets": array(
                obj(
                    {
                        "set_id": INT,
                        "title": STR,
                        "mastery": obj(
                            {
                                "items_total": INT,
                                "items_right_latest": INT,
                                "cards_total": INT,
                                "cards_in_review": INT,
                                "overall": NUM,
                            }
                        ),
                        "accuracy": {
                            "type": "object",
                            "additionalProperties": obj({"right": INT, "total": INT}),
                        },
                        "forecast": COUNTS,
                    }
                )
            ),
        }
    ),
    "ItemFields": obj(
        {
            "type": {"type": "string", "enum": list(ITEM_TYPES)},
            "prompt": bounded(5000, non_empty=True),
            "title": bounded(500, nullable=True),
            "back": bounded(5000, nullable=True),
            "choices": array(bounded(2000), maxItems=200),
            "answers": array(bounded(2000), maxItems=200),
            "pairs": array(
                array(bounded(2000, non_empty=True), minItems=2, maxItems=2), maxItems=200
            ),
            "feedback": {
                "type": "object",
                "additionalProperties": bounded(2000),
                "maxProperties": 200,
            },
            "weights": {
                "type": "object",
                "additionalProperties": {"type": "number", "minimum": -1, "maximum": 1},
                "maxProperties": 200,
            },
            "numeric": array(
                {
                    "type": "object",
                    "properties": {
                        "value": NUM,
                        "tolerance": NUM,
                        "low": NUM,
                        "high": NUM,
                        "fraction": NUM,
                        "feedback": STR,
                    },
                    "additionalProperties": False,
                },
                maxItems=200,
            ),
            "explanation": bounded(5000, nullable=True),
            "tags": array(bounded(100), maxItems=200),
            "points": {"type": "number", "minimum": 0, "maximum": 1000},
            "status": {"type": "string", "enum": ["draft", "approved", "dropped"]},
        },
        required=[],
        description=(
            "An item's fields; lists and objects as in quizapp's item dicts. The whole item "
            "must be consistent for its type (checked by quizapp.domain.items.validate_item)."
        ),
    ),
    "NewItem": {
        "allOf": [ref("ItemFields")],
        "type": "object",
        "required": ["type", "prompt"],
    },
    "InstructorItem": obj(
        {
            "id": INT,
            "uid": STR,
            "set_id": INT,
            "status": STR,
            "position": INT,
            "type": STR,
            "title": NULLABLE_STR,
            "prompt": STR,
            "back": NULLABLE_STR,
            "choices": array(STR),
            "answers": array(STR),
            "pairs": array(array(STR)),
            "feedback": {"type": "object", "additionalProperties": STR},
            "weights": {"type": "object", "additionalProperties": NUM},
            "numeric": array({"type": "object"}),
            "explanation": STR,
            "tags": array(STR),
            "points": NUM,
        }
    ),
    "ItemList": obj(
        {"set_id": INT, "title": STR, "status": STR, "items": array(ref("InstructorItem"))}
    ),
    "Published": obj({"set_id": INT, "status": STR, "published_items": INT}),
    "ImportUpload": obj(
        {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "format": {"type": "string", "enum": list(bank_formats.FORMATS)},
            "set_name": bounded(500),
        },
        required=["file"],
    ),
    "ImportJson": obj(
        {
            "filename": bounded(255, non_empty=True),
            "content_base64": {"type": "string", "contentEncoding": "base64"},
            "format": {"type": ["string", "null"], "enum": [*bank_formats.FORMATS, None]},
            "set_name": bounded(500, nullable=True),
        },
        required=["filename", "content_base64"],
    ),
    "ImportPreview": obj(
        {
            "import_id": INT,
            "filename": STR,
            "set_name": NULLABLE_STR,
            "format": STR,
            "items": array(
                obj({"type": STR, "title": NULLABLE_STR, "line": {"type": ["integer", "null"]}})
            ),
            "problems": array(PROBLEM),
            "unsupported": array(PROBLEM),
            "warnings": array(
                PROBLEM,
                description="Importable but probably a mistake, e.g. nothing can be answered",
            ),
        }
    ),
    "ConfirmImport": obj({"accept_unsupported": {"type": "boolean", "default": False}}, []),
    "Imported": obj({"set_id": INT, "count": INT}),
    "Gradebook": obj(
        {
            "set_id": INT,
            "title": STR,
            "learners": array(
                obj(
                    {
                        "user_id": INT,
                        "username": STR,
                        "attempts": INT,
                        "finished_attempts": INT,
                        "best_score": {"type": ["number", "null"]},
                        "max_score": {"type": ["number", "null"]},
                        "best_percent": {"type": ["number", "null"]},
                        "last_activity": DATETIME,
                    }
                )
            ),
        }
    ),
}


def _error(description: str, **headers: Schema) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ref("Error")}},
    }
    if headers:
        response["headers"] = {name: {"schema": schema} for name, schema in headers.items()}
    return response


RESPONSES = {
    "400": _error("Malformed JSON, a missing body or header, or a failed CSRF check."),
    "401": _error(
        "No valid credentials.", **{"WWW-Authenticate": {"type": "string", "pattern": "^Bearer"}}
    ),
    "403": _error("Only instructors and admins may do this."),
    "404": _error("No such object, or it belongs to someone else."),
    "409": _error("The request conflicts with the object's state."),
    "413": _error("The request body is too large."),
    "415": _error("The body is not in a media type this operation takes."),
    "422": _error("A field (named in error.field) is invalid."),
    "429": _error("Too many attempts: wait and try again."),
}
RESPONSE_NAMES = {
    "400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
    "409": "Conflict", "413": "PayloadTooLarge", "415": "UnsupportedMediaType",
    "422": "UnprocessableContent", "429": "TooManyRequests",
}  # fmt: skip


def errors(*codes: int) -> dict[str, Any]:
    """References to the shared error responses with these status codes."""
    return {str(c): {"$ref": f"#/components/responses/{RESPONSE_NAMES[str(c)]}"} for c in codes}


def ok(
    schema_name: str, description: str = "OK", status: int = 200, *, replayable: bool = False
) -> dict[str, Any]:
    """A successful JSON response of a component schema."""
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }
    if replayable:
        response["headers"] = {
            "Idempotent-Replayed": {
                "description": "Present on a stored first reply sent again for a repeated key.",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    return {str(status): response}


def json_body(schema_name: str, *, required: bool = True) -> dict[str, Any]:
    """A JSON request body of a component schema."""
    return {
        "required": required,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def path_id(name: str) -> Schema:
    """An id in the path."""
    return {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}


def idempotency(required: bool) -> Schema:
    """The Idempotency-Key header, required or optional."""
    return {"$ref": f"#/components/parameters/IdempotencyKey{'' if required else 'Optional'}"}


# Authenticated calls may fail with 401; state-changing ones also with 400 (CSRF, bodies).
READ = (401,)
WRITE = (400, 401, 413, 415, 422)


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    parameters: list[Schema] | None = None,
    body: dict[str, Any] | None = None,
    public: bool = False,
    description: str | None = None,
) -> dict[str, Any]:
    """One operation; public ones need no bearer token."""
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


EXPORT_TYPES = sorted({mimetype.split(";")[0] for mimetype in bank_formats.MIMETYPES.values()})

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": operation(
            "openapi_document",
            "This document",
            "meta",
            {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
            public=True,
        )
    },
    "/tokens": {
        "post": operation(
            "create_token",
            "Exchange a username and password for a bearer token",
            "auth",
            ok("Token", "The token; it is shown only here.", 201)
            | errors(400, 401, 413, 415, 422, 429),
            body=json_body("TokenRequest"),
            public=True,
            description=(
                "Failed attempts are limited per username (LOGIN_RATE_LIMIT), all attempts "
                "per client address (LOGIN_ADDRESS_RATE_LIMIT)."
            ),
        )
    },
    "/tokens/current": {
        "delete": operation(
            "revoke_current_token",
            "Revoke the token this request is made with",
            "auth",
            {"204": {"description": "Revoked"}} | errors(400, 401),
        )
    },
    "/sets": {
        "get": operation(
            "list_sets",
            "Published study sets",
            "learner",
            {
                "200": {
                    "description": "Published sets; item_count counts published items.",
                    "content": {"application/json": {"schema": array(ref("SetSummary"))}},
                }
            }
            | errors(*READ),
        )
    },
    "/sets/{set_id}": {
        "get": operation(
            "get_set",
            "A set and its items, without answers",
            "learner",
            ok("SetDetail") | errors(401, 404),
            parameters=[path_id("set_id")],
        )
    },
    "/sets/{set_id}/attempts": {
        "post": operation(
            "start_attempt",
            "Start a quiz attempt",
            "learner",
            ok("Attempt", "Started", 201, replayable=True) | errors(*WRITE, 404, 409),
            parameters=[path_id("set_id"), idempotency(False)],
            body=json_body("AttemptRequest", required=False),
            description="409 when the set has no quiz questions or no test attempts are left.",
        )
    },
    "/attempts/{attempt_id}/responses": {
        "post": operation(
            "answer",
            "Answer one item of an attempt, exactly once",
            "learner",
            ok("AnswerResult", "Graded (or the stored first reply to this key)", replayable=True)
            | errors(*WRITE, 404, 409),
            parameters=[path_id("attempt_id"), idempotency(True)],
            body=json_body("AnswerRequest"),
            description=(
                "409 `already_answered` when the item was answered with another key, "
                "`attempt_finished` after the attempt ended, `time_up` past its time limit. "
                "In test mode `explanation` is empty until the attempt is finished."
            ),
        )
    },
    "/attempts/{attempt_id}/finish": {
        "post": operation(
            "finish_attempt",
            "Finish an attempt and get its score",
            "learner",
            ok("FinishResult") | errors(400, 401, 404),
            parameters=[path_id("attempt_id")],
        )
    },
    "/review/due": {
        "get": operation(
            "due_cards",
            "Flashcards due now, then new ones up to the daily limit",
            "learner",
            ok("DueCards") | errors(401, 404, 422),
            parameters=[
                {"name": "set_id", "in": "query", "required": False, "schema": ID_SCHEMA},
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
            ],
        )
    },
    "/review/{card_id}": {
        "post": operation(
            "review",
            "Rate a flashcard (1 again, 2 hard, 3 good, 4 easy), exactly once",
            "learner",
            ok("ReviewResult", "Reviewed (or the stored first reply to this key)", replayable=True)
            | errors(*WRITE, 404),
            parameters=[path_id("card_id"), idempotency(True)],
            body=json_body("ReviewRequest"),
        )
    },
    "/me/progress": {
        "get": operation(
            "my_progress",
            "The learner's dashboard numbers",
            "learner",
            ok("Progress") | errors(*READ),
        )
    },
    "/sets/{set_id}/items": {
        "get": operation(
            "list_items",
            "An own set's items with their answers",
            "instructor",
            ok("ItemList") | errors(401, 403, 404),
            parameters=[path_id("set_id")],
        ),
        "post": operation(
            "create_item",
            "Author an item in an own set",
            "instructor",
            ok("InstructorItem", "Created (approved; live once the set is published)", 201)
            | errors(*WRITE, 403, 404),
            parameters=[path_id("set_id")],
            body=json_body("NewItem"),
        ),
    },
    "/sets/{set_id}/items/{item_id}": {
        "patch": operation(
            "update_item",
            "Change an item's fields or status",
            "instructor",
            ok("InstructorItem") | errors(*WRITE, 403, 404),
            parameters=[path_id("set_id"), path_id("item_id")],
            body=json_body("ItemFields"),
        ),
        "delete": operation(
            "delete_item",
            "Drop an item (learners' past answers are kept)",
            "instructor",
            {"204": {"description": "Dropped"}} | errors(400, 401, 403, 404),
            parameters=[path_id("set_id"), path_id("item_id")],
        ),
    },
    "/sets/{set_id}/publish": {
        "post": operation(
            "publish_set",
            "Publish an own set: approved items go live",
            "instructor",
            ok("Published") | errors(400, 401, 403, 404),
            parameters=[path_id("set_id")],
        )
    },
    "/imports": {
        "post": operation(
            "create_import",
            "Upload a question bank and preview it",
            "instructor",
            ok("ImportPreview", "Staged; confirm to import", 201) | errors(*WRITE, 403),
            body={
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": ref("ImportUpload")},
                    "application/json": {"schema": ref("ImportJson")},
                },
            },
            description="422 `import_rejected` lists the problems by line; nothing is kept.",
        )
    },
    "/imports/{import_id}/confirm": {
        "post": operation(
            "confirm_import",
            "Import a previewed bank, all or nothing",
            "instructor",
            ok("Imported") | errors(*WRITE, 403, 404, 409),
            parameters=[path_id("import_id")],
            body=json_body("ConfirmImport", required=False),
            description="409 `unsupported_questions` until accept_unsupported is true.",
        )
    },
    "/sets/{set_id}/export": {
        "get": operation(
            "export_set",
            "Download an own set in a bank format",
            "instructor",
            {
                "200": {
                    "description": "The file (Content-Disposition: attachment)",
                    "content": {media: {"schema": {}} for media in EXPORT_TYPES},
                }
            }
            | errors(401, 403, 404, 422),
            parameters=[
                path_id("set_id"),
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": list(bank_formats.FORMATS),
                        "default": "gift",
                    },
                },
            ],
        )
    },
    "/sets/{set_id}/gradebook": {
        "get": operation(
            "set_gradebook",
            "Each learner's best score, attempts and last activity on an own set",
            "instructor",
            ok("Gradebook") | errors(401, 403, 404),
            parameters=[path_id("set_id")],
        )
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "quizapp API", "version": "1.0.0", "description": DESCRIPTION},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "auth", "description": "Bearer tokens"},
        {"name": "learner", "description": "Studying: sets, quizzes, flashcards, progress"},
        {"name": "instructor", "description": "Own sets: items, banks, results (403 for learners)"},
        {"name": "meta", "description": "This document"},
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": {RESPONSE_NAMES[code]: body for code, body in RESPONSES.items()},
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "Makes retries safe: the first reply to a key is replayed.",
                "schema": {"type": "string", "pattern": "^[!-~]{1,64}$"},
            },
            "IdempotencyKeyOptional": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Optional here: a retry with the same key starts nothing new.",
                "schema": {"type": "string", "pattern": "^[!-~]{1,64}$"},
            },
        },
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /tokens.",
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Serve this document."""
    return jsonify(DOCUMENT)
