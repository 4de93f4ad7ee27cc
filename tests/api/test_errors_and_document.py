"""Errors are JSON with the right status; the OpenAPI document matches the routes."""

import re

import pytest

from quizapp.web.api.openapi import DOCUMENT

ERROR_KEYS = {"code", "message", "field"}


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert ERROR_KEYS <= set(error)
    if code:
        assert error["code"] == code
    return error


def test_malformed_json_is_400(learner, seeded):
    for raw in ("{bad", "[1, 2", '{"mode": NaN}', "\xff", "[" * 5000):
        response = learner.client.post(
            f"/api/v1/sets/{seeded}/attempts",
            data=raw.encode("latin-1"),
            content_type="application/json",
            headers=learner.headers(),
        )
        _assert_error(response, 400, "malformed_json")


def test_missing_body_is_400_and_wrong_media_type_415(learner, seeded):
    _assert_error(learner.post("/attempts/1/responses", key="k"), 400, "body_required")
    response = learner.client.post(
        "/api/v1/review/1", data="rating=3", headers=learner.headers("k"),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    _assert_error(response, 415, "unsupported_media_type")


def test_deeply_nested_bodies_are_refused(learner, seeded):
    nested = '{"mode": "practice", "x": ' + "[" * 500 + "]" * 500 + "}"
    response = learner.client.post(
        f"/api/v1/sets/{seeded}/attempts", data=nested, content_type="application/json",
        headers=learner.headers("deep"),
    )  # fmt: skip
    _assert_error(response, 422, "invalid_body")


def test_nul_characters_are_refused(teacher):
    response = teacher.post("/imports", {"filename": "a\x00.gift", "content_base64": ""})
    assert _assert_error(response, 422)["field"] == "filename"


def test_unknown_paths_and_methods(learner):
    _assert_error(learner.get("/nothing-here"), 404, "not_found")
    _assert_error(learner.get("/sets/0"), 404)  # ids start at 1
    _assert_error(learner.get(f"/sets/{2**40}"), 404)  # larger than any id
    response = learner.delete("/sets")
    _assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_too_large_bodies_are_413(app, teacher):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = teacher.post("/imports", {"filename": "big.gift", "content_base64": "A" * 2000})
    _assert_error(response, 413)


def test_unexpected_failures_are_json_without_a_traceback(app, learner, monkeypatch):
    from quizapp.services import sets

    def explode():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(sets, "published_sets", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = learner.get("/sets")
    error = _assert_error(response, 500)
    assert "secret detail" not in response.get_data(as_text=True)
    assert "Traceback" not in error["message"]


# --- the document ------------------------------------------------------------------------------


def _rule_to_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def _routes(app) -> set[tuple[str, str, str]]:
    return {
        (method.lower(), _rule_to_path(rule.rule), rule.endpoint.removeprefix("api."))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _documented() -> set[tuple[str, str, str]]:
    return {
        (method, path, operation["operationId"])
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
    }


def test_every_route_is_documented_and_every_documented_operation_exists(app):
    routes = _routes(app)
    assert len(routes) >= 20
    assert routes == _documented()


def test_the_document_is_served_without_a_token(anon):
    response = anon.get("/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["openapi"].startswith("3.1")
    assert body["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert body == DOCUMENT


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves_and_every_schema_is_used():
    components = DOCUMENT["components"]
    refs = set(_refs(DOCUMENT))
    for ref in refs:
        _hash, _components, kind, name = ref.split("/")
        assert name in components[kind], ref
    used = {ref.rsplit("/", 1)[1] for ref in refs}
    assert set(components["schemas"]) <= used
    assert {"Error"} <= set(components["schemas"])


@pytest.mark.parametrize(
    ("path", "operation"),
    [(p, m) for p, ops in DOCUMENT["paths"].items() for m in ops],
)
def test_every_operation_documents_its_errors(path, operation):
    spec = DOCUMENT["paths"][path][operation]
    public = spec.get("security") == []
    codes = set(spec["responses"])
    if not public:
        assert "401" in codes
    if "{" in path:
        assert "404" in codes
    if operation in ("post", "patch", "delete"):
        assert "400" in codes  # CSRF for browser sessions, malformed bodies
    if spec["tags"] == ["instructor"]:
        assert "403" in codes
    for code in codes - {"200", "201", "204"}:
        assert spec["responses"][code]["$ref"].startswith("#/components/responses/")


SECURED = [
    (method, path)
    for path, operations in DOCUMENT["paths"].items()
    for method, spec in operations.items()
    if spec.get("security") != []
]


@pytest.mark.parametrize(("method", "path"), SECURED)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_every_secured_operation_refuses_calls_without_a_valid_token(
    client, method, path, authorization
):
    url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.open(url, method=method.upper(), headers=headers, json={})
    _assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_document_is_valid_openapi_for_schemathesis():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(_documented())
