"""Profiles: what they show, and editing them (fields, avatar, password)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import PASSWORD
from tests.web.conftest import png_bytes
from townhall.accounts.models import Account
from townhall.accounts.services import account_authenticate, profile_update


def test_a_profile_shows_the_public_data(client: Client, person) -> None:
    profile_update(account=person, actor=person, bio="Hello there", link="https://example.org/me/")
    response = client.get("/@alice")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html
    assert "Alice" in html
    assert "Hello there" in html
    assert (
        '<a href="https://example.org/me/" rel="nofollow noopener ugc">example.org/me</a>' in html
    )
    assert "Person" in html
    assert 'class="avatar avatar--large avatar--initials" aria-hidden="true">A</span>' in html
    assert "Edit my profile" not in html


def test_an_unknown_handle_is_a_404(client: Client) -> None:
    response = client.get("/@nobody")
    assert response.status_code == 404
    assert "No account @nobody." in response.content.decode()


def test_a_handle_in_another_case_redirects(client: Client, person) -> None:
    response = client.get("/@Alice")
    assert response.status_code == 301
    assert response["Location"] == "/@alice"


def test_the_bio_is_escaped(client: Client, person) -> None:
    profile_update(account=person, actor=person, bio="<script>alert(1)</script>")
    html = client.get("/@alice").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_organisation_profile_links_to_its_team(client, make_org) -> None:
    organisation = make_org(handle="council")
    html = client.get("/@council").content.decode()
    assert 'href="/@council/team"' in html
    assert "Organisation" in html
    assert "Verified" not in html
    organisation.verified = True
    organisation.save()
    assert "Verified" in client.get("/@council").content.decode()


def test_my_own_profile_lists_my_organisations(client_as, person, make_org) -> None:
    make_org(owner=person, handle="council")
    html = client_as(person).get("/@alice").content.decode()
    assert "Edit my profile" in html
    assert 'href="/@council/team"' in html
    assert "Owner" in html


def test_the_edit_form(client_as, person) -> None:
    html = client_as(person).get("/settings/profile").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/*"' in html
    assert "At most 160 characters." in html
    assert 'value="Alice"' in html
    assert "United Kingdom" in html  # the home region


def test_edit_the_profile(client_as, person) -> None:
    client = client_as(person)
    response = client.post(
        "/settings/profile",
        {"display_name": "Alice A.", "bio": "Councillor", "link": "https://example.org"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/@alice"
    person.refresh_from_db()
    assert (person.display_name, person.bio, person.link) == (
        "Alice A.",
        "Councillor",
        "https://example.org",
    )
    assert "The profile is saved." in client.get("/@alice").content.decode()


def test_upload_an_avatar(client_as, person) -> None:
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = client_as(person).post(
        "/settings/profile", {"display_name": "Alice", "avatar": upload}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.avatar.startswith(f"avatars/{person.pk}/")
    assert default_storage.exists(person.avatar)
    html = Client().get("/@alice").content.decode()
    assert f'src="/media/{person.avatar}"' in html


def test_a_file_that_is_not_an_image_is_refused(client_as, person) -> None:
    upload = SimpleUploadedFile("me.png", b"<html>not an image</html>", content_type="image/png")
    response = client_as(person).post(
        "/settings/profile", {"display_name": "Changed", "bio": "new", "avatar": upload}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_avatar_error"' in html
    assert "The avatar must be a JPEG, PNG, WebP or GIF image." in html
    assert 'value="Changed"' in html
    person.refresh_from_db()
    # Neither half of the change was saved.
    assert (person.display_name, person.bio, person.avatar) == ("Alice", "", "")


def test_a_javascript_link_is_refused(client_as, person) -> None:
    response = client_as(person).post(
        "/settings/profile", {"display_name": "Alice", "link": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_link_error"' in html
    assert "A link must start with http:// or https://." in html
    person.refresh_from_db()
    assert person.link == ""


def test_a_long_bio_is_refused(client_as, person) -> None:
    response = client_as(person).post(
        "/settings/profile", {"display_name": "Alice", "bio": "x" * 161}
    )
    assert response.status_code == 400
    assert "A bio is at most 160 characters; this one has 161." in response.content.decode()


def test_change_the_password(client_as, person) -> None:
    client = client_as(person)
    other_session = client_as(person)
    new = "a much longer new passphrase"

    response = client.post(
        "/settings/password",
        {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
    )

    assert response.status_code == 302
    assert client.get("/settings/profile").status_code == 200  # this session stays
    assert other_session.get("/settings/profile").status_code == 302  # others end
    assert account_authenticate(login="alice", password=new).pk == person.pk


def test_password_change_refusals(client_as, person) -> None:
    client = client_as(person)
    wrong_old = client.post(
        "/settings/password",
        {"old_password": "nope", "new_password": "x" * 20, "new_password_again": "x" * 20},
    )
    assert wrong_old.status_code == 400
    assert "The current password is not right." in wrong_old.content.decode()

    mismatch = client.post(
        "/settings/password",
        {"old_password": PASSWORD, "new_password": "x" * 20, "new_password_again": "y" * 20},
    )
    assert "The two new passwords are not the same." in mismatch.content.decode()

    weak = client.post(
        "/settings/password",
        {"old_password": PASSWORD, "new_password": "password", "new_password_again": "password"},
    )
    assert weak.status_code == 400
    assert 'id="id_new_password_error"' in weak.content.decode()
    assert Account.objects.get(pk=person.pk).auth_salt == person.auth_salt
