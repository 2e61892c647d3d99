"""Log-in by handle or e-mail, the clear refusal, and a safe ``next``."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD


def is_logged_in(client: Client) -> bool:
    return client.get("/settings/profile").status_code == 200


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.org"])
def test_log_in_by_handle_or_email(client: Client, person, login: str) -> None:
    response = client.post("/login", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)


def test_a_wrong_password_is_refused_clearly(client: Client, person) -> None:
    response = client.post("/login", {"login": "alice", "password": "not it"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "The handle or password is not right." in html
    assert 'value="alice"' in html
    assert "not it" not in html
    assert not is_logged_in(client)


def test_an_unknown_account_gets_the_same_answer(client: Client) -> None:
    response = client.post("/login", {"login": "nobody", "password": PASSWORD})
    assert response.status_code == 400
    assert "The handle or password is not right." in response.content.decode()


def test_next_is_honoured(client: Client, person) -> None:
    page = client.get("/login?next=/settings/tokens").content.decode()
    assert '<input type="hidden" name="next" value="/settings/tokens">' in page

    response = client.post(
        "/login", {"login": "alice", "password": PASSWORD, "next": "/settings/tokens"}
    )

    assert response["Location"] == "/settings/tokens"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(client: Client, person, next_url: str) -> None:
    response = client.post("/login", {"login": "alice", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_required_pages_come_back_after_log_in(client: Client, person) -> None:
    redirect_to_login = client.get("/settings/password")["Location"]
    assert redirect_to_login == "/login?next=/settings/password"
    response = client.post(redirect_to_login, {"login": "alice", "password": PASSWORD})
    assert response["Location"] == "/settings/password"


def test_log_in_is_rate_limited(client: Client, person, settings) -> None:
    cache.clear()
    settings.TOWNHALL_AUTH_RATE = 2
    for _ in range(2):
        client.post("/login", {"login": "alice", "password": "wrong"})

    response = client.post("/login", {"login": "alice", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"].isdigit()
    assert 0 < int(response["Retry-After"]) <= settings.TOWNHALL_AUTH_RATE_WINDOW
    assert not is_logged_in(client)
    cache.clear()


def test_signed_in_people_skip_the_log_in_page(client_as, person) -> None:
    response = client_as(person).get("/login?next=/invitations")
    assert response["Location"] == "/invitations"
