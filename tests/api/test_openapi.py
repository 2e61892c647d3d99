"""The committed OpenAPI document is the contract: it must match what the code serves."""

import json
import re
from pathlib import Path

from townhall.api.api import api

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_committed_openapi_matches_the_code():
    current = api.get_openapi_schema()
    committed = json.loads(COMMITTED.read_text())
    assert json.loads(json.dumps(current)) == committed, (
        "docs/api/openapi.json is out of date: run `make openapi` and commit the result"
    )


def test_served_at_api_v1(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200
    assert res.json()["info"]["title"] == "townhall API"
    assert client.get("/api/v1/docs").status_code == 200


def _operations():
    schema = json.loads(json.dumps(api.get_openapi_schema()))
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", method.upper(), operation


def _can_fail_validation(operation) -> bool:
    """A body, or a parameter that is not free text (an id, a limit), can be malformed."""
    if "requestBody" in operation:
        return True
    return any(p.get("schema", {}).get("type") != "string" for p in operation.get("parameters", []))


def test_every_operation_declares_the_error_shape():
    for name, method, operation in _operations():
        errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
        assert errors, f"{name} declares no error response"
        for status, response in errors.items():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut"), f"{name} {status}"
        if _can_fail_validation(operation):
            # Malformed input is 400 validation_failed (api/errors.py), never 422.
            assert "400" in errors, f"{name} takes input but declares no 400"
        if operation.get("security"):
            assert "401" in errors, f"{name} needs auth but declares no 401"
            if method not in ("GET", "HEAD", "OPTIONS"):
                # A signed-in session without the CSRF token gets 403 csrf_failed.
                assert "403" in errors, f"{name} is an authenticated write but declares no 403"


OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")


def test_every_operation_has_a_stable_hand_chosen_name():
    """Client generators make method names of operationIds: each is chosen by hand
    (``operation_id=`` on the route, ``<noun>_<verb>``), never django-ninja's default made of
    the module path, and no two operations share one."""
    seen: dict[str, str] = {}
    for name, _, operation in _operations():
        operation_id = operation.get("operationId", "")
        assert OPERATION_ID.match(operation_id), f"{name}: operationId {operation_id!r}"
        assert not operation_id.startswith("townhall_"), f"{name}: {operation_id!r} is the default"
        assert operation_id not in seen, f"{name} and {seen[operation_id]}: {operation_id!r}"
        seen[operation_id] = name
