"""The tus endpoint and the simple upload, through Django's test client: every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.audit.gateway import own_vault
from townhall.errors import Conflict
from townhall.media import selectors, uploads
from townhall.media.models import Upload, Video
from townhall.media.services import owner_vault

from .clips import FFMPEG, ffmpeg, garbled, undecodable
from .tus import NOTHING, create, leftovers, metadata, send, sha256_header, tus


@pytest.fixture
def alice_api(person, api_as):
    return api_as(person)


@pytest.fixture
def inline(django_capture_on_commit_callbacks, settings_work):
    """Run the transcoding that a completed upload queues, as the worker would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_options_advertise_the_protocol(api, settings):
    res = api.options("/api/v1/uploads/")
    assert res.status_code == 204
    assert res["Tus-Resumable"] == "1.0.0"
    assert res["Tus-Version"] == "1.0.0"
    assert set(res["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert res["Tus-Max-Size"] == str(settings.TOWNHALL_UPLOAD_MAX_BYTES)
    assert res["Tus-Checksum-Algorithm"] == "sha256,sha1"
    assert res["Townhall-Max-Chunk-Size"] == str(settings.TOWNHALL_TUS_MAX_CHUNK_BYTES)
    # Under ASGI a body up to that size is read into memory, never to a temporary file.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.TOWNHALL_TUS_MAX_CHUNK_BYTES


def test_upload_in_chunks_becomes_a_published_video(person, alice_api, clips, inline):
    data = clips("api-small.mp4").read_bytes()
    res = create(alice_api, len(data))
    assert res.status_code == 201, res.content
    location = res["Location"]
    assert location.startswith("/api/v1/uploads/uk-")
    assert res["Tus-Resumable"] == "1.0.0" and res["Upload-Expires"]
    head = tus(alice_api, "HEAD", location)
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("0", str(len(data)))
    assert head["Cache-Control"] == "no-store"
    last = inline(send, alice_api, location, data)
    assert last.status_code == 204, last.content
    video = Video.objects.get(public_id=last["Townhall-Video"])
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.owner == person and video.caption == "hello #tus"
    # The parts were the original: gone once published; the upload is kept for the quota.
    assert not owner_vault(person, acting=person).list_files("uploads")
    row = own_vault(person, acting=person).rows(Upload).get()
    assert (row.state, row.video_public_id) == (Upload.State.COMPLETE, video.public_id)
    assert tus(alice_api, "HEAD", location)["Townhall-Video"] == video.public_id


def test_each_patch_is_one_sealed_part_and_bytes_are_encrypted(person, alice_api, clips):
    data = clips("api-small.mp4").read_bytes()
    location = create(alice_api, len(data))["Location"]
    tus(alice_api, "PATCH", location, data[:1000], Upload_Offset="0")
    tus(alice_api, "PATCH", location, data[1000:3000], Upload_Offset="1000")
    vault = owner_vault(person, acting=person)
    parts = vault.list_files("uploads")
    assert len(parts) == 2
    assert parts[0].split("/")[-1].startswith("000000.")
    assert parts[1].split("/")[-1].startswith("000001.")
    with vault.open_file(parts[1]) as part:
        assert part.read() == data[1000:3000]
    from django.core.files.storage import storages

    with storages["region_uk"].open(parts[0]) as raw:
        assert data[:1000] not in raw.read()


def test_creation_with_upload_sends_the_first_bytes(person, alice_api, clips):
    data = clips("api-small.mp4").read_bytes()
    res = create(alice_api, len(data), data[:5000], Upload_Checksum=sha256_header(data[:5000]))
    assert res.status_code == 201, res.content
    assert res["Upload-Offset"] == "5000"


def test_text_file_named_mp4_is_refused_and_leaves_nothing(person, alice_api, tmp_path):
    data = b"This is not a video, whatever its name says.\n" * 100
    res = create(alice_api, len(data), Upload_Metadata=metadata(filename="clip.mp4"))
    last = send(alice_api, res["Location"], data, chunk=1000)
    assert last.status_code == 422
    assert last.json()["error"]["code"] == "not_a_video"
    assert last["Tus-Resumable"] == "1.0.0"
    assert leftovers(person) == NOTHING
    assert tus(alice_api, "HEAD", res["Location"]).status_code == 404


def test_truncated_mp4_is_refused(person, alice_api, clips):
    data = clips("api-small.mp4").read_bytes()
    half = data[: len(data) // 2]
    last = send(alice_api, create(alice_api, len(half))["Location"], half)
    assert last.status_code == 422
    assert last.json()["error"]["code"] == "corrupt_file"
    assert leftovers(person) == NOTHING


@pytest.mark.parametrize(
    ("spoil", "code"), [(undecodable, "unsupported_codec"), (garbled, "corrupt_file")]
)
def test_undecodable_video_streams_are_refused(person, alice_api, clips, tmp_path, spoil, code):
    """The probe decodes the first picture: a codec without a decoder, or garbage media data
    behind good headers, is refused while the uploader waits, not later in the worker."""
    data = spoil(clips("api-small.mp4"), tmp_path / "spoilt.mp4").read_bytes()
    last = send(alice_api, create(alice_api, len(data))["Location"], data)
    assert last.status_code == 422
    assert last.json()["error"]["code"] == code
    assert leftovers(person) == NOTHING
    res = simple(alice_api, data)
    assert res.status_code == 422 and res.json()["error"]["code"] == code
    assert leftovers(person) == NOTHING


@pytest.mark.parametrize("way", ["tus", "simple"])
@pytest.mark.parametrize(
    ("name", "kwargs", "code"),
    [
        # Tiny pictures at a frame a second: a few kB however long, cheap to make and to send.
        (
            "twelve-minutes.mp4",
            {"size": "64x112", "rate": "1", "seconds": 720, "acodec": None},
            "too_long",
        ),
        (
            "8k.mp4",
            {"size": "7680x4320", "rate": "1", "seconds": 1.5, "acodec": None},
            "resolution_too_large",
        ),
    ],
)
def test_over_the_video_limits_through_the_api(person, alice_api, clips, name, kwargs, code, way):
    data = clips(name, **kwargs).read_bytes()
    if way == "tus":
        res = send(alice_api, create(alice_api, len(data))["Location"], data, chunk=1024**2)
    else:
        res = simple(alice_api, data)
    assert res.status_code == 422
    assert res.json()["error"]["code"] == code
    assert leftovers(person) == NOTHING


def test_zero_byte_upload_is_refused_at_once(person, alice_api):
    res = create(alice_api, 0)
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "not_a_video"
    assert leftovers(person) == NOTHING


def test_audio_only_is_refused(person, alice_api, tmp_path):
    path = tmp_path / "sound.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", str(path))
    data = path.read_bytes()
    last = send(alice_api, create(alice_api, len(data))["Location"], data)
    assert last.status_code == 422
    assert last.json()["error"]["code"] == "no_video_stream"
    assert leftovers(person) == NOTHING
    assert FFMPEG


def test_wrong_offset_is_a_conflict(person, alice_api):
    location = create(alice_api, 100)["Location"]
    assert tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="0").status_code == 204
    res = tus(alice_api, "PATCH", location, b"y" * 10, Upload_Offset="0")
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "offset_mismatch"
    assert tus(alice_api, "HEAD", location)["Upload-Offset"] == "10"
    assert len(owner_vault(person, acting=person).list_files("uploads")) == 1


def test_patch_after_termination_is_not_found(person, alice_api):
    location = create(alice_api, 100)["Location"]
    tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="0")
    res = tus(alice_api, "DELETE", location)
    assert res.status_code == 204 and res["Tus-Resumable"] == "1.0.0"
    res = tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="10")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "upload_not_found"
    assert tus(alice_api, "HEAD", location).status_code == 404
    assert tus(alice_api, "DELETE", location).status_code == 404
    assert leftovers(person) == NOTHING


def test_checksum_mismatch_keeps_nothing(person, alice_api):
    location = create(alice_api, 100)["Location"]
    res = tus(
        alice_api,
        "PATCH",
        location,
        b"x" * 10,
        Upload_Offset="0",
        Upload_Checksum=sha256_header(b"y" * 10),
    )
    assert res.status_code == 460
    assert res.json()["error"]["code"] == "checksum_mismatch"
    assert tus(alice_api, "HEAD", location)["Upload-Offset"] == "0"
    assert owner_vault(person, acting=person).list_files("uploads") == []
    ok = tus(
        alice_api,
        "PATCH",
        location,
        b"x" * 10,
        Upload_Offset="0",
        Upload_Checksum=sha256_header(b"x" * 10),
    )
    assert ok.status_code == 204 and ok["Upload-Offset"] == "10"


def test_a_body_over_the_chunk_limit_is_refused(person, alice_api, settings):
    """Under WSGI the view refuses it (under ASGI, townhall.media.asgi does: test_asgi.py)."""
    settings.TOWNHALL_TUS_MAX_CHUNK_BYTES = 10
    location = create(alice_api, 100)["Location"]
    res = tus(alice_api, "PATCH", location, b"x" * 11, Upload_Offset="0")
    assert res.status_code == 413 and res["Tus-Resumable"] == "1.0.0"
    assert res.json()["error"]["code"] == "chunk_too_large"
    assert tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="0").status_code == 204
    assert tus(alice_api, "HEAD", location)["Upload-Offset"] == "10"
    res = create(alice_api, 100, b"x" * 11)
    assert res.status_code == 413 and res.json()["error"]["code"] == "chunk_too_large"
    assert (
        own_vault(person, acting=person).rows(Upload).count() == 1
    )  # the refused creation left nothing


def test_unsupported_checksum_algorithm(alice_api):
    location = create(alice_api, 100)["Location"]
    res = tus(alice_api, "PATCH", location, b"x", Upload_Offset="0", Upload_Checksum="md5 eA==")
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "checksum_algorithm_unsupported"


def test_upload_over_the_daily_quota(person, alice_api, settings):
    settings.TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES = 1000
    assert create(alice_api, 600).status_code == 201
    res = create(alice_api, 600)
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "quota_exceeded"
    assert create(alice_api, 400).status_code == 201
    # Uploads older than a day no longer count.
    own_vault(person, acting=person).rows(Upload).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert create(alice_api, 600).status_code == 201


def test_upload_over_the_size_limit(alice_api, settings):
    settings.TOWNHALL_UPLOAD_MAX_BYTES = 1000
    res = create(alice_api, 1001)
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "upload_too_large"


def test_other_tus_version_is_refused(alice_api):
    res = tus(alice_api, "POST", "/uploads/", Upload_Length="10", Tus_Resumable="0.2.2")
    assert res.status_code == 412
    assert res["Tus-Version"] == "1.0.0" and res["Tus-Resumable"] == "1.0.0"
    assert res.json()["error"]["code"] == "tus_version_unsupported"
    location = create(alice_api, 10)["Location"]
    res = alice_api.head(location, headers={"Authorization": f"Bearer {alice_api.token}"})
    assert res.status_code == 412


def test_another_users_upload_is_not_found(person, alice_api, make_person, api_as):
    location = create(alice_api, 100)["Location"]
    bob = api_as(make_person("bob"))
    assert tus(bob, "HEAD", location).status_code == 404
    assert tus(bob, "PATCH", location, b"x", Upload_Offset="0").status_code == 404
    assert tus(bob, "DELETE", location).status_code == 404
    assert tus(alice_api, "HEAD", location)["Upload-Offset"] == "0"
    assert tus(bob, "HEAD", "/uploads/us-00000000").status_code == 404


def test_anonymous_requests_are_refused_as_tus(api):
    res = tus(api, "POST", "/uploads/", Upload_Length="10")
    assert res.status_code == 401 and res["Tus-Resumable"] == "1.0.0"
    assert res.json()["error"]["code"] == "not_authenticated"


def test_posting_for_an_organisation(person, alice_api, make_person, make_org, api_as, clips):
    org = make_org(owner=person)
    data = clips("api-small.mp4").read_bytes()
    meta = metadata(organisation=org.handle, visibility="private", caption="ours")
    res = create(alice_api, len(data), Upload_Metadata=meta)
    assert res.status_code == 201
    last = send(alice_api, res["Location"], data)
    assert last.status_code == 204
    video = Video.objects.get(public_id=last["Townhall-Video"])
    assert (video.owner, video.uploaded_by) == (org, person)

    outsider = api_as(make_person("mallory"))
    res = create(outsider, len(data), Upload_Metadata=meta)
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "not_allowed"
    res = create(outsider, len(data), Upload_Metadata=metadata(organisation="nosuchorg"))
    assert res.status_code == 404


def test_team_member_posts_for_the_organisation(person, make_person, make_org, api_as):
    org = make_org(owner=person)
    editor = make_person("eddie")
    invitation = organisation_invite(
        organisation=org, actor=person, invitee_handle=editor.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=editor, accept=True)
    res = create(api_as(editor), 10, Upload_Metadata=metadata(organisation=org.handle))
    assert res.status_code == 201


def test_patch_needs_the_offset_stream_type(alice_api):
    location = create(alice_api, 100)["Location"]
    res = tus(alice_api, "PATCH", location, b"x", Upload_Offset="0", Content_Type="text/plain")
    assert res.status_code == 415
    assert res.json()["error"]["code"] == "content_type_unsupported"


def test_body_past_the_end_is_refused(person, alice_api):
    location = create(alice_api, 10)["Location"]
    res = tus(alice_api, "PATCH", location, b"x" * 11, Upload_Offset="0")
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "upload_overflow"
    assert owner_vault(person, acting=person).list_files("uploads") == []


def test_missing_or_bad_headers(alice_api):
    assert tus(alice_api, "POST", "/uploads/").status_code == 400
    res = tus(alice_api, "POST", "/uploads/", Upload_Length="10", Upload_Metadata="caption %%%")
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "metadata_invalid"
    res = create(alice_api, 10, Upload_Metadata=metadata(visibility="everyone"))
    assert res.json()["error"]["code"] == "visibility_invalid"
    location = create(alice_api, 10)["Location"]
    assert tus(alice_api, "PATCH", location, b"x").status_code == 400


def test_expired_uploads_are_gone_and_swept(person, alice_api):
    location = create(alice_api, 100)["Location"]
    tus(alice_api, "PATCH", location, b"x" * 10, Upload_Offset="0")
    own_vault(person, acting=person).rows(Upload).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tus(alice_api, "HEAD", location).status_code == 410
    res = tus(alice_api, "PATCH", location, b"x", Upload_Offset="10")
    assert res.status_code == 410 and res.json()["error"]["code"] == "upload_expired"
    assert uploads.uploads_expire(account_id=person.pk) == 1
    assert leftovers(person) == NOTHING
    assert tus(alice_api, "HEAD", location).status_code == 404


def test_the_worker_sweep_expires_every_accounts_uploads(person, make_person, api_as):
    other = make_person("sguser", country="SG")
    fresh = create(api_as(person), 100)["Location"]
    for account in (person, other):
        location = create(api_as(account), 100)["Location"]
        tus(api_as(account), "PATCH", location, b"x" * 10, Upload_Offset="0")
        own_vault(account, acting=account).rows(Upload).exclude(
            key=fresh.rsplit("/", 1)[-1]
        ).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert uploads.uploads_expire_all() == 2
    assert leftovers(other) == NOTHING
    assert tus(api_as(person), "HEAD", fresh).status_code == 200


def test_racing_patches_append_once(person):
    """Two PATCHes at the same offset: the one that commits first wins, the other gets 409."""
    info = uploads.upload_create(uploader=person, length=100)

    def racing_body():
        yield b"a" * 10
        inner, _ = uploads.upload_append(
            uploader=person, upload_id=info.id, offset=0, chunks=[b"b" * 20]
        )
        assert inner.offset == 20
        yield b"a" * 10

    with pytest.raises(Conflict):
        uploads.upload_append(uploader=person, upload_id=info.id, offset=0, chunks=racing_body())
    assert selectors.upload_get(uploader=person, upload_id=info.id).offset == 20
    vault = owner_vault(person, acting=person)
    (part,) = vault.list_files("uploads")
    with vault.open_file(part) as f:
        assert f.read() == b"b" * 20


def test_stray_parts_are_dropped_before_the_video_is_made(person, alice_api, clips, inline):
    """A part left by a process that died mid-write is not part of the original."""
    data = clips("api-small.mp4").read_bytes()
    location = create(alice_api, len(data))["Location"]
    tus(alice_api, "PATCH", location, data[:1000], Upload_Offset="0")
    upload_id = location.rsplit("/", 1)[-1]
    owner_vault(person, acting=person).save_file(f"uploads/{upload_id}/000001.dead", [b"garbage"])
    last = inline(send, alice_api, location, data)
    assert last.status_code == 204, last.content
    video = Video.objects.get(public_id=last["Townhall-Video"])
    assert video.state == Video.State.PUBLISHED, video.failure_message


# --- The simple upload -------------------------------------------------------------------------


def simple(client, content: bytes, name: str = "clip.mp4", **fields):
    upload = SimpleUploadedFile(name, content, content_type="video/mp4")
    return client.call("POST", "/videos", {"file": upload, **fields}, multipart=True)


def test_simple_upload_makes_a_video(person, alice_api, clips, inline):
    data = clips("api-small.mp4").read_bytes()
    res = inline(simple, alice_api, data, caption="one go", visibility="followers")
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["owner"] == "alice" and body["visibility"] == "followers"
    assert body["caption"] == "one go"
    assert body["state"] == "processing"  # the job runs once the request's transaction commits
    assert Video.objects.get(public_id=body["id"]).state == Video.State.PUBLISHED
    assert own_vault(person, acting=person).rows(Upload).get().state == Upload.State.COMPLETE


def test_simple_upload_refuses_a_text_file(person, alice_api):
    res = simple(alice_api, b"hello, world\n" * 10)
    assert res.status_code == 422 and res.json()["error"]["code"] == "not_a_video"
    assert leftovers(person) == NOTHING


def test_simple_upload_over_its_limit(person, alice_api, settings):
    settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES = 1000
    res = simple(alice_api, b"x" * 1001)
    assert res.status_code == 413 and res.json()["error"]["code"] == "upload_too_large"
    # Far over: refused from Content-Length, before the body is read.
    res = simple(alice_api, b"x" * 200_000)
    assert res.status_code == 413
    assert leftovers(person) == NOTHING


def test_simple_upload_for_an_organisation_you_are_not_in(person, make_org, make_person, api_as):
    org = make_org(owner=make_person())
    res = simple(api_as(person), b"x" * 10, organisation=org.handle)
    assert res.status_code == 403
    assert leftovers(person) == NOTHING


def test_simple_upload_counts_against_the_quota(alice_api, settings):
    settings.TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES = 100
    res = simple(alice_api, b"x" * 101)
    assert res.status_code == 413 and res.json()["error"]["code"] == "quota_exceeded"
