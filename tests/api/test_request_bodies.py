"""A JSON request body is an object, and its text has no NUL character, on every operation.

Before, a body that was an array, a string or a number passed as an object without fields (a
PATCH of /me answered 200 and changed nothing), and a NUL character reached the database: a 500
on PostgreSQL, stored as sent on SQLite.
"""

import json

import pytest

from townhall.accounts.services import token_create
from townhall.api.api import api as ninja_api

from ..conftest import PASSWORD, ApiClient
from .test_accounts_api import assert_error, signup_body


def _json_body_operations():
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method.upper(), path.removeprefix("/api/v1")


JSON_BODY_OPERATIONS = sorted(_json_body_operations())


def test_the_operations_with_json_bodies_are_found():
    assert ("PATCH", "/me") in JSON_BODY_OPERATIONS
    assert ("POST", "/auth/signup") in JSON_BODY_OPERATIONS


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
@pytest.mark.parametrize("body", ["[]", '[{"bio": "x"}]', '"text"', "3", "null", "true"])
def test_a_body_that_is_not_an_object_is_refused(person, make_org, method, path, body):
    org = make_org(owner=person)
    _, secret = token_create(account=person, name="cli")
    path = path.replace("{handle}", org.handle).replace("{member}", person.handle)
    res = ApiClient(token=secret).call(method, path, body, content_type="application/json")
    assert_error(res, 400, "validation_failed", "body")
    assert res.json()["error"]["fields"]["body"] == "The request body must be a JSON object."


def test_a_patch_with_an_empty_object_changes_nothing_and_passes(person, api_as):
    res = api_as(person).call("PATCH", "/me", {})
    assert res.status_code == 200
    assert res.json()["display_name"] == person.display_name


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PATCH", "/me", {"bio": "a\x00b"}, "bio"),
        ("PATCH", "/me", {"display_name": "Al\x00ice"}, "display_name"),
        ("PATCH", "/me", {"link": "https://example.org/\x00"}, "link"),
        ("POST", "/tokens", {"name": "cli\x00"}, "name"),
        ("POST", "/organisations", {"handle": "council", "display_name": "C\x00"}, "display_name"),
        (
            "POST",
            "/auth/tokens",
            {"login": "al\x00ice", "password": PASSWORD, "name": "cli"},
            "login",
        ),
        ("POST", "/auth/signup", signup_body(display_name="New\x00Bie"), "display_name"),
    ],
)
def test_text_with_a_nul_character_is_refused(person, api_as, method, path, body, field):
    res = api_as(person).call(method, path, body)
    assert_error(res, 400, "validation_failed", field)
    assert res.json()["error"]["fields"][field] == "Text cannot contain NUL characters."
    person.refresh_from_db()
    assert "\x00" not in person.display_name + person.bio + person.link
