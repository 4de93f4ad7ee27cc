"""Schemathesis against the live app: no 500s and no reply that breaks the OpenAPI document.

Every operation gets a bounded, deterministic run of generated requests (valid and invalid)
over real HTTP, authenticated as an instructor who owns a set, has attempts and staged
imports. Generated ids are steered onto those real objects two times in three, so the
requests reach past "404 not found" into grading, scheduling, authoring and imports.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings

from quizapp.extensions import db
from quizapp.models import Item, PendingImport, StudySet
from quizapp.web.api.common import MAX_ID
from quizapp.web.api.openapi import DOCUMENT

from .conftest import issue, make_user

schemathesis = pytest.importorskip("schemathesis")
import requests  # noqa: E402  (installed with schemathesis)
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]  # ignored_auth is test_errors_and_document's every-operation-refuses-without-a-token
GIFT = b"""::Q1::Two plus two?{=4 ~3 ~5}

::Q2::The sky is green.{F}

::Q3::Capital of Peru?{=Lima}
"""


def _fixtures(app) -> dict[str, list[int]]:
    """An instructor's world: own sets (one published), attempts, staged imports."""
    from quizapp.services import accounts, banks, sets, study

    make_user(app, "fuzz", role="instructor")
    with app.app_context():
        user = accounts.find_user("fuzz")
        own, _count = banks.import_bank(GIFT, filename="fuzz.gift", owner=user, set_name="Fuzz")
        sets.publish_set(own)
        draft, _count = banks.import_bank(GIFT, filename="d.gift", owner=user, set_name="Draft")
        bundled = db.session.scalar(sa.select(StudySet).where(StudySet.origin.is_not(None)))
        attempts = [
            study.start_attempt(user, target, mode)
            for target in (bundled, own)
            for mode in ("practice", "test")
        ]
        for _ in range(3):
            banks.stage_import(user, GIFT, "again.gift", "gift", None)
        db.session.commit()
        # The first attempt takes the generated answers; the others get finished.
        return {
            "set_id": [bundled.id, own.id, draft.id],
            "item_id": [i.id for i in own.items] + [i.id for i in draft.items],
            "attempt_id": [attempts[0].id],
            "finish_attempt_id": [a.id for a in attempts[1:]],
            "attempt_item": list(attempts[0].item_ids),
            "card_id": list(
                db.session.scalars(
                    sa.select(Item.id).where(Item.type == "flashcard").order_by(Item.id).limit(5)
                )
            ),
            "import_id": list(db.session.scalars(sa.select(PendingImport.id))),
        }


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _steer(case: Any, known: dict[str, list[int]], positive: bool) -> None:
    """Point most valid generated ids at real objects; invalid values are left invalid."""
    finishing = case.operation.path.endswith("/finish")
    for name, value in (case.path_parameters or {}).items():
        pool = known.get(f"finish_{name}" if finishing else name)
        if pool and _valid_id(value) and value % 3:
            case.path_parameters[name] = pool[value % len(pool)]
    body = case.body
    if not positive or not isinstance(body, dict):
        return
    if case.operation.path.endswith("/responses") and _valid_id(body.get("item_id")):
        items = known["attempt_item"]
        body["item_id"] = items[body["item_id"] % len(items)]
    if case.operation.path == "/imports" and len(str(body.get("filename"))) % 2:
        body["content_base64"] = base64.b64encode(GIFT).decode()


@pytest.fixture
def fuzz_target(backend, live_app, live_server):
    if backend != "sqlite":
        pytest.skip("fuzzed once, on SQLite, to keep the suite's time in bounds")
    known = _fixtures(live_app)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    return schema, known


def test_schemathesis_finds_no_server_errors_or_schema_violations(live_app, fuzz_target):
    schema, known = fuzz_target
    token = issue(live_app, "fuzz")

    @schema.auth(refresh_interval=None)
    class Bearer:
        """The fuzz instructor's token; revoking "the current token" gets a token of its own."""

        def get(self, case: Any, context: Any) -> str:
            return issue(live_app, "fuzz") if case.path == "/tokens/current" else token

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {
        f"{method.upper()} {path}" for path, ops in DOCUMENT["paths"].items() for method in ops
    }
    # Schemathesis leaves out the operation that serves the document it loaded.
    assert {op.label for op in operations} == documented - {"GET /openapi.json"}

    with requests.Session() as session:  # one keep-alive connection for every request
        for operation in operations:
            _fuzz(operation, GenerationMode.POSITIVE, known, session)
            _fuzz(operation, GenerationMode.NEGATIVE, known, session)


def _fuzz(operation: Any, mode: Any, known: dict, session: Any) -> None:
    """Send MAX_EXAMPLES generated requests to one operation and check every reply."""
    # Multipart fields are all text on the wire, so "a number where a string belongs" cannot
    # be sent as one: invalid bodies are sent as JSON only.
    strategy = operation.as_strategy(generation_mode=mode)
    if mode.is_negative:
        strategy = strategy.filter(lambda case: case.media_type != "multipart/form-data")

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,  # the same requests on every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        _steer(case, known, mode.is_positive)
        case.call_and_validate(session=session, checks=CHECKS, timeout=30)

    run()
