"""Which credentials decide a request, and which error a request without good ones gets.

Every client here enforces CSRF like a browser would, so a CSRF answer cannot hide behind the
test client's usual exemption.
"""

import pytest
from django.test import Client

from townhall.accounts.services import token_create, token_revoke

from ..conftest import ApiClient
from .test_accounts_api import assert_error

WRITES = [
    ("PATCH", "/me", {"bio": "changed"}),
    ("POST", "/organisations", {"handle": "neworg", "display_name": "New Org"}),
    ("DELETE", "/tokens/1", None),
]


def csrf_client(token: str | None = None) -> ApiClient:
    return ApiClient(token=token, enforce_csrf_checks=True)


def revoked_token(account) -> str:
    info, secret = token_create(account=account, name="old laptop")
    token_revoke(account=account, token_id=info.pk)
    return secret


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_revoked_token_is_401_on_writes(person, method, path, body):
    res = csrf_client(revoked_token(person)).call(method, path, body)
    assert_error(res, 401, "not_authenticated")
    person.refresh_from_db()
    assert person.bio == ""


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_garbage_token_is_401_on_writes(method, path, body):
    assert_error(csrf_client("garbage").call(method, path, body), 401, "not_authenticated")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_no_credentials_at_all_is_401(method, path, body):
    assert_error(csrf_client().call(method, path, body), 401, "not_authenticated")


def test_a_bad_token_is_401_even_beside_a_signed_in_session(person):
    """The header the client chose decides; the session does not rescue it."""
    client = csrf_client(revoked_token(person))
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    assert_error(client.call("GET", "/me"), 401, "not_authenticated")
    assert_error(client.call("PATCH", "/me", {"bio": "x"}), 401, "not_authenticated")


def test_a_bad_token_on_a_public_operation_is_401_not_anonymous(person, make_org):
    org = make_org(owner=person)
    assert csrf_client().call("GET", f"/organisations/{org.handle}").status_code == 200
    res = csrf_client(revoked_token(person)).call("GET", f"/organisations/{org.handle}")
    assert_error(res, 401, "not_authenticated")


def test_a_session_write_without_the_csrf_token_is_403(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    res = client.post(
        "/api/v1/organisations",
        {"handle": "neworg", "display_name": "New Org"},
        content_type="application/json",
    )
    assert_error(res, 403, "csrf_failed")
    res = client.patch("/api/v1/me", {"bio": "x"}, content_type="application/json")
    assert_error(res, 403, "csrf_failed")


def test_a_session_write_with_the_csrf_token_passes(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    client.get("/settings/tokens")
    csrf = client.cookies["csrftoken"].value
    res = client.patch(
        "/api/v1/me", {"bio": "hello"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert res.status_code == 200, res.content
    assert res.json()["bio"] == "hello"


def test_a_valid_token_needs_no_csrf_token(person):
    _, secret = token_create(account=person, name="cli")
    res = csrf_client(secret).call("PATCH", "/me", {"bio": "from the cli"})
    assert res.status_code == 200, res.content
