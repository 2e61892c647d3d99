"""API tokens: list, create (the secret shown once), revoke."""

from __future__ import annotations

from townhall.accounts.selectors import token_list
from townhall.accounts.services import token_authenticate, token_create


def test_create_a_token_shows_the_secret_once(client_as, person) -> None:
    client = client_as(person)

    response = client.post("/settings/tokens", {"name": "laptop script"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "shown only this once" in html
    secret = html.split('id="token-secret" class="secret" type="text" value="')[1].split('"')[0]
    listing = client.get("/settings/tokens").content.decode()
    assert "laptop script" in listing
    assert secret not in listing
    assert "Active" in listing
    assert "Never" in listing
    assert token_authenticate(secret).pk == person.pk


def test_a_token_needs_a_name(client_as, person) -> None:
    response = client_as(person).post("/settings/tokens", {"name": "   "})
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()


def test_revoke_a_token(client_as, person) -> None:
    token, secret = token_create(account=person, name="old")
    client = client_as(person)
    assert client.get(f"/settings/tokens/{token.pk}/revoke").status_code == 405

    response = client.post(f"/settings/tokens/{token.pk}/revoke")

    assert response.status_code == 302
    assert token_authenticate(secret) is None
    html = client.get("/settings/tokens").content.decode()
    assert "is revoked" in html
    assert "Revoked" in html


def test_another_persons_token_cannot_be_revoked(client_as, person, make_person) -> None:
    token, secret = token_create(account=person, name="mine")
    response = client_as(make_person()).post(f"/settings/tokens/{token.pk}/revoke")
    assert response.status_code == 404
    assert token_authenticate(secret) is not None


def test_the_list_shows_only_my_tokens(client_as, person, make_person) -> None:
    other = make_person()
    token_create(account=other, name="someone else's")
    token_create(account=person, name="my own")
    html = client_as(person).get("/settings/tokens").content.decode()
    assert "my own" in html
    assert "someone else" not in html
    assert len(token_list(account=person)) == 1
