"""The daily upload quota counts what the server took in, whatever became of the upload.

Uploads in progress and complete ones count their declared length; cancelled, refused and
expired ones count the bytes they sent, until 24 hours after they began.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.audit.gateway import own_vault
from townhall.errors import NotFound
from townhall.media import selectors, uploads
from townhall.media.models import Upload, Video
from townhall.media.services import owner_vault

from ..conftest import ApiClient
from .tus import NOTHING, create, leftovers, send, tus

BACKEND = "townhall.accounts.backends.RegionBackend"
NOT_A_VIDEO = b"This is not a video, whatever its name says.\n" * 20


@pytest.fixture
def alice_api(person: Account, api_as: Callable[[Account], ApiClient]) -> ApiClient:
    return api_as(person)


@pytest.fixture
def quota(settings: Any) -> Callable[[int], None]:
    def set_quota(size: int) -> None:
        settings.TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES = size

    return set_quota


def refused_for_quota(client: ApiClient, length: int) -> bool:
    res = create(client, length)
    if res.status_code == 201:
        return False
    assert res.status_code == 413, res.content
    assert res.json()["error"]["code"] == "quota_exceeded"
    return True


def rows(account: Account) -> list[tuple[str, int, int, bool]]:
    """(state, length, offset, holds metadata) of each of the account's upload records."""
    return [
        (row.state, row.length, row.offset, row.metadata is not None)
        for row in own_vault(account, acting=account).rows(Upload).order_by("pk")
    ]


def upload_id(location: str) -> str:
    return location.rsplit("/", 1)[-1]


def test_deleting_a_complete_upload_gives_no_quota_back(
    person: Account, alice_api: ApiClient, clips: Callable[..., Path], quota: Any
) -> None:
    data = clips("api-small.mp4").read_bytes()
    quota(len(data) + 1000)
    location = create(alice_api, len(data))["Location"]
    last = send(alice_api, location, data)
    assert last.status_code == 204, last.content
    video = Video.objects.get(public_id=last["Townhall-Video"])

    res = tus(alice_api, "DELETE", location)

    assert res.status_code == 204 and res["Tus-Resumable"] == "1.0.0"
    # The video stays; the upload ends, but its record stays for the quota, counting all of it
    # (its caption is the video's now, so the sealed metadata goes).
    assert Video.objects.filter(pk=video.pk).exists()
    assert rows(person) == [(Upload.State.TERMINATED, len(data), len(data), False)]
    assert refused_for_quota(alice_api, len(data))
    assert tus(alice_api, "HEAD", location).status_code == 404
    assert tus(alice_api, "DELETE", location).status_code == 404
    assert not refused_for_quota(alice_api, 1000)


def test_the_bytes_of_a_terminated_upload_count(
    person: Account, alice_api: ApiClient, quota: Any
) -> None:
    quota(1000)
    location = create(alice_api, 1000)["Location"]
    assert tus(alice_api, "PATCH", location, b"x" * 600, Upload_Offset="0").status_code == 204

    assert tus(alice_api, "DELETE", location).status_code == 204

    assert leftovers(person) == NOTHING
    assert rows(person) == [(Upload.State.TERMINATED, 1000, 600, False)]
    assert refused_for_quota(alice_api, 401)
    assert not refused_for_quota(alice_api, 400)


def test_an_upload_terminated_before_any_byte_counts_nothing(
    person: Account, alice_api: ApiClient, quota: Any
) -> None:
    """Nothing was taken in, so nothing is kept: its reservation is given back at once."""
    quota(1000)
    location = create(alice_api, 1000)["Location"]
    assert tus(alice_api, "DELETE", location).status_code == 204
    assert rows(person) == []
    assert not refused_for_quota(alice_api, 1000)


@pytest.mark.parametrize("way", ["tus", "simple"])
def test_a_refused_upload_counts(person: Account, alice_api: ApiClient, quota: Any, way: str):
    quota(len(NOT_A_VIDEO) + 500)
    if way == "tus":
        location = create(alice_api, len(NOT_A_VIDEO))["Location"]
        res = send(alice_api, location, NOT_A_VIDEO, chunk=300)
    else:
        upload = SimpleUploadedFile("clip.mp4", NOT_A_VIDEO, content_type="video/mp4")
        res = alice_api.call("POST", "/videos", {"file": upload}, multipart=True)
    assert res.status_code == 422 and res.json()["error"]["code"] == "not_a_video"

    assert leftovers(person) == NOTHING
    assert rows(person) == [(Upload.State.TERMINATED, len(NOT_A_VIDEO), len(NOT_A_VIDEO), False)]
    assert refused_for_quota(alice_api, 501)
    assert not refused_for_quota(alice_api, 500)


def test_cancelling_on_the_upload_page_counts_the_same(
    person: Account, alice_api: ApiClient, quota: Any
) -> None:
    quota(1000)
    location = create(alice_api, 1000)["Location"]
    assert tus(alice_api, "PATCH", location, b"x" * 600, Upload_Offset="0").status_code == 204
    page = Client()
    page.force_login(person, backend=BACKEND)

    response = page.post(f"/upload/{upload_id(location)}/cancel")

    assert response.status_code == 302
    assert leftovers(person) == NOTHING
    assert rows(person) == [(Upload.State.TERMINATED, 1000, 600, False)]
    assert refused_for_quota(alice_api, 401)
    assert "counts against your daily upload quota" in page.get("/upload").content.decode()
    # Cancelled once, it is gone: a second cancel is as for an upload that never was.
    assert page.post(f"/upload/{upload_id(location)}/cancel").status_code == 404


def test_an_expired_upload_counts_what_it_sent(
    person: Account, alice_api: ApiClient, quota: Any
) -> None:
    quota(1000)
    location = create(alice_api, 1000)["Location"]
    assert tus(alice_api, "PATCH", location, b"x" * 600, Upload_Offset="0").status_code == 204
    own_vault(person, acting=person).rows(Upload).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert uploads.uploads_expire_all() == 1

    assert leftovers(person) == NOTHING
    assert rows(person) == [(Upload.State.TERMINATED, 1000, 600, False)]
    assert refused_for_quota(alice_api, 401)


def test_ended_uploads_are_gone_to_tus_and_to_the_list(
    person: Account, alice_api: ApiClient, quota: Any
) -> None:
    cancelled = create(alice_api, 1000)["Location"]
    refused = create(alice_api, len(NOT_A_VIDEO))["Location"]
    expired = create(alice_api, 1000)["Location"]
    going = create(alice_api, 1000)["Location"]
    for location in (cancelled, expired, going):
        assert tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="0").status_code == 204
    assert tus(alice_api, "DELETE", cancelled).status_code == 204
    assert send(alice_api, refused, NOT_A_VIDEO).status_code == 422
    own_vault(person, acting=person).rows(Upload).filter(key=upload_id(expired)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    uploads.uploads_expire(account_id=person.pk)
    ended = own_vault(person, acting=person).rows(Upload).filter(state=Upload.State.TERMINATED)
    assert ended.count() == 3

    for location in (cancelled, refused, expired):
        for method, headers in (
            ("HEAD", {}),
            ("PATCH", {"Upload_Offset": "10"}),
            ("DELETE", {}),
        ):
            res = tus(alice_api, method, location, b"x" if method == "PATCH" else b"", **headers)
            assert res.status_code == 404, (location, method)
            if method != "HEAD":
                assert res.json()["error"]["code"] == "upload_not_found"
    listed = alice_api.call("GET", "/uploads/").json()["items"]
    assert [item["id"] for item in listed] == [upload_id(going)]
    assert ended.count() == 3


def test_a_patch_that_races_a_termination_keeps_nothing(
    person: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload is cancelled while a PATCH streams its part: the cancel deletes the parts it
    finds, and the PATCH, committing after it, finds the upload ended and deletes its own."""
    info = uploads.upload_create(uploader=person, length=100)
    uploads.upload_append(uploader=person, upload_id=info.id, offset=0, chunks=[b"a" * 10])
    write_part = uploads._write_part

    def cancelled_while_writing(*args: Any) -> Any:
        uploads.upload_terminate(uploader=person, upload_id=info.id)
        return write_part(*args)

    monkeypatch.setattr(uploads, "_write_part", cancelled_while_writing)
    with pytest.raises(NotFound):
        uploads.upload_append(uploader=person, upload_id=info.id, offset=10, chunks=[b"b" * 10])
    assert owner_vault(person, acting=person).list_files("uploads") == []
    assert rows(person) == [(Upload.State.TERMINATED, 100, 10, False)]


def test_the_sweep_removes_the_records_once_the_window_has_passed(
    person: Account, alice_api: ApiClient, clips: Callable[..., Path], quota: Any
) -> None:
    data = clips("api-small.mp4").read_bytes()
    quota(len(data) + 600)
    assert send(alice_api, create(alice_api, len(data))["Location"], data).status_code == 204
    cancelled = create(alice_api, 600)["Location"]
    assert tus(alice_api, "PATCH", cancelled, b"x" * 300, Upload_Offset="0").status_code == 204
    assert tus(alice_api, "DELETE", cancelled).status_code == 204
    assert refused_for_quota(alice_api, 301)
    vault = own_vault(person, acting=person)
    assert vault.rows(Upload).count() == 2
    assert uploads.uploads_expire_all() == 0  # within the window, the records stay

    vault.rows(Upload).update(created_at=timezone.now() - selectors.QUOTA_WINDOW)

    assert uploads.uploads_expire_all() == 2
    assert not vault.rows(Upload).exists()
    assert not refused_for_quota(alice_api, len(data) + 600)
