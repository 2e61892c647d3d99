"""Errors that really happen are declared: each case provokes one and checks the document.

A damaged data key answers 503 on every operation that opens protected data; a signed-in
session's write without the CSRF token answers 403. A client generated from the OpenAPI
document must expect both.
"""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from townhall.accounts.services import organisation_invite, token_create
from townhall.api.api import api as ninja_api
from townhall.media.models import Video, VideoText
from townhall.media.services import owner_vault
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region

from ..conftest import PASSWORD, ApiClient
from ..media.tus import create, tus
from .test_accounts_api import assert_error


def declared(method: str, path: str) -> set[str]:
    """The statuses the OpenAPI document declares for the operation that serves ``path``."""
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    for template, operations in schema["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template.removeprefix("/api/v1"))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return set(operations[method.lower()]["responses"])
    raise AssertionError(f"no operation {method} {path}")


def damage_key(account) -> None:
    in_region(DataKey, account.home_region).filter(account_id=account.pk).update(
        wrapped=b"\x01" + b"0" * 40
    )


def assert_unavailable(res, method: str, path: str) -> None:
    assert_error(res, 503, "protected_data_unavailable")
    assert "503" in declared(method, path), f"{method} {path} answers 503 but does not declare it"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/me", None),
        ("PATCH", "/me", {"bio": "new"}),
        ("POST", "/me/password", {"old_password": PASSWORD, "new_password": "a new pass phrase"}),
        ("GET", "/tokens", None),
        ("POST", "/tokens", {"name": "another"}),
        ("DELETE", "/tokens/{token}", None),
    ],
)
def test_account_operations(person, method, path, body):
    token, secret = token_create(account=person, name="cli")
    damage_key(person)
    path = path.format(token=token.pk)
    assert_unavailable(ApiClient(token=secret).call(method, path, body), method, path)


def test_token_with_credentials(person, api):
    damage_key(person)
    body = {"login": person.handle, "password": PASSWORD, "name": "cli"}
    assert_unavailable(api.call("POST", "/auth/tokens", body), "POST", "/auth/tokens")


def test_tus_create_and_simple_upload(person, api_as):
    client = api_as(person)
    damage_key(person)
    assert_unavailable(create(client, 100), "POST", "/uploads/")
    res = client.post(
        "/api/v1/videos",
        {"file": SimpleUploadedFile("v.mp4", b"0" * 100, content_type="video/mp4")},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert_unavailable(res, "POST", "/videos")


def test_uploads_in_progress(person, api_as):
    client = api_as(person)
    create(client, 100)
    damage_key(person)
    assert_unavailable(client.call("GET", "/uploads/"), "GET", "/uploads/")


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_tus_on_an_existing_upload(person, api_as, method):
    client = api_as(person)
    location = create(client, 100)["Location"]
    damage_key(person)
    res = tus(client, method, location, b"0" * 10, Upload_Offset="0")
    assert_unavailable(res, method, location.removeprefix("/api/v1"))


def test_private_videos(person, api_as):
    video = Video.objects.create(
        owner=person,
        uploaded_by=person,
        visibility="private",
        state="published",
        region=person.home_region,
    )
    owner_vault(person, acting=person).create(VideoText, video_id=video.pk, caption="secret")
    client = api_as(person)
    damage_key(person)
    path = f"/videos/{video.public_id}"
    assert_unavailable(client.call("GET", path), "GET", path)
    path = f"/accounts/{person.handle}/videos"
    assert_unavailable(client.call("GET", path), "GET", path)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_session_write_without_csrf(person, make_person, make_org, answer):
    org = make_org(owner=person)
    invitee = make_person("invitee")
    invitation = organisation_invite(
        organisation=org, actor=person, invitee_handle=invitee.handle, role="editor"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(invitee, backend="townhall.accounts.backends.RegionBackend")
    path = f"/invitations/{invitation.pk}/{answer}"
    res = client.post(f"/api/v1{path}")
    assert_error(res, 403, "csrf_failed")
    assert "403" in declared("POST", path)
    invitation.refresh_from_db()
    assert invitation.state == "pending"
