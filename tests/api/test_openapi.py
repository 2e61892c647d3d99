"""The committed OpenAPI document is the contract: it must match what the code serves."""

import json
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


def test_every_operation_declares_the_error_shape():
    schema = json.loads(json.dumps(api.get_openapi_schema()))
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            assert errors, f"{method.upper()} {path} declares no error response"
            for status, response in errors.items():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), f"{method.upper()} {path} {status}"
            if operation.get("security"):
                assert "401" in errors, f"{method.upper()} {path} needs auth but declares no 401"
