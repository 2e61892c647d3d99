"""Playback: the Range and conditional rules on their own, then the file view end to end."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import AsyncRequestFactory, Client
from django.utils.http import http_date

from townhall.accounts.models import Account
from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.media.models import Rendition, Video
from townhall.media.playback import (
    STREAM_CHUNK,
    ByteRange,
    RangeNotSatisfiable,
    etag_for,
    if_range_matches,
    not_modified,
    parse_range,
)
from townhall.media.services import owner_vault
from townhall.regions.selectors import storage_for

# --- parse_range ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-199", (100, 199)),
        ("bytes=100-", (100, 999)),
        ("bytes=-500", (500, 999)),
        ("bytes=-5000", (0, 999)),  # a suffix longer than the file is the whole file
        ("bytes=900-5000", (900, 999)),  # the end is clipped to the file
        ("bytes=999-999", (999, 999)),
        ("BYTES = 1-2", (1, 2)),
        ("bytes= 3 - 4 ", (3, 4)),
    ],
)
def test_one_range_is_parsed(header: str, expected: tuple[int, int]) -> None:
    assert parse_range(header, 1000) == ByteRange(*expected, 1000)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes=0-1,5-6",  # several ranges: ignored, the whole file (documented in playback.py)
        "bytes=-1,-2",
        "items=0-1",  # another unit
        "bytes=5-1",  # last before first: invalid
        "bytes=abc",
        "bytes=-",
        "bytes=1-2-3",
        "bytes=0x1-2",
        "0-100",
        "bytes=²-3",  # a digit to str.isdigit, not to HTTP
    ],
)
def test_ranges_that_are_ignored(header: str | None) -> None:
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=5000-", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, 1000)
    assert caught.value.content_range == "bytes */1000"


def test_byte_range_headers() -> None:
    r = ByteRange(100, 199, 1000)
    assert (r.length, r.content_range) == (100, "bytes 100-199/1000")


# --- Validators -------------------------------------------------------------------------------

WHEN = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
TAG = etag_for(video_id=1, name="360.mp4", size=1000)


def test_etag_is_strong_and_depends_on_video_name_and_size() -> None:
    assert TAG.startswith('"') and TAG.endswith('"')
    assert etag_for(video_id=1, name="360.mp4", size=1000) == TAG
    assert etag_for(video_id=2, name="360.mp4", size=1000) != TAG
    assert etag_for(video_id=1, name="540.mp4", size=1000) != TAG
    assert etag_for(video_id=1, name="360.mp4", size=1001) != TAG


@pytest.mark.parametrize(
    ("header", "applies"),
    [
        (None, True),
        (TAG, True),
        (f"W/{TAG}", False),  # If-Range needs a strong match
        ('"something-else"', False),
        (http_date(WHEN.timestamp()), True),
        (http_date(WHEN.timestamp() - 1), False),
        (http_date(WHEN.timestamp() + 1), False),  # exact match only
        ("not a date", False),
    ],
)
def test_if_range_rule(header: str | None, applies: bool) -> None:
    assert if_range_matches(header, etag=TAG, last_modified=WHEN) is applies


@pytest.mark.parametrize(
    ("inm", "ims", "expected"),
    [
        (None, None, False),
        (TAG, None, True),
        (f"W/{TAG}", None, True),  # If-None-Match compares weakly
        (f'"a", {TAG}', None, True),
        ("*", None, True),
        ('"other"', None, False),
        ('"other"', http_date(WHEN.timestamp()), False),  # If-None-Match wins
        (None, http_date(WHEN.timestamp()), True),
        (None, http_date(WHEN.timestamp() + 60), True),
        (None, http_date(WHEN.timestamp() - 60), False),
        (None, "garbage", False),
    ],
)
def test_not_modified(inm: str | None, ims: str | None, expected: bool) -> None:
    assert (
        not_modified(if_none_match=inm, if_modified_since=ims, etag=TAG, last_modified=WHEN)
        is expected
    )


# --- The file view ----------------------------------------------------------------------------


@pytest.fixture
def clip(clips: Callable[..., Path]) -> Path:
    return clips("playback-360.mp4", seconds=3, size="360x640")


@pytest.fixture
def public_video(person: Account, publish: Callable[..., Video], clip: Path) -> Video:
    video = publish(person, clip, caption="public #one", visibility="public")
    assert video.state == Video.State.PUBLISHED, video.failure_message
    return video


@pytest.fixture
def private_video(person: Account, publish: Callable[..., Video], clip: Path) -> Video:
    video = publish(person, clip, caption="private", visibility="private")
    assert video.state == Video.State.PUBLISHED, video.failure_message
    return video


def plaintext(video: Video, name: str) -> bytes:
    rendition = video.renditions.get(name=name)
    if rendition.sealed:
        with owner_vault(video.owner, acting=video.owner).open_file(
            rendition.storage_name
        ) as reader:
            return bytes(reader.read())
    with storage_for("videos").open(rendition.storage_name, "rb") as f:
        return bytes(f.read())


def url(video: Video, name: str = "360.mp4") -> str:
    return f"/v/{video.public_id}/{name}"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def client_for(account: Account | None) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account, backend="townhall.accounts.backends.RegionBackend")
    return client


def test_public_files_are_plain_and_private_ones_sealed(
    public_video: Video, private_video: Video
) -> None:
    assert not public_video.renditions.filter(sealed=True).exists()
    assert not private_video.renditions.filter(sealed=False).exists()
    names = set(public_video.renditions.values_list("name", flat=True))
    assert {"360.mp4", "poster.jpg", "hls/master.m3u8"} <= names


@pytest.mark.parametrize("which", ["public_video", "private_video"])
def test_full_get(which: str, request: pytest.FixtureRequest) -> None:
    video: Video = request.getfixturevalue(which)
    response = client_for(video.owner).get(url(video))
    data = plaintext(video, "360.mp4")
    assert response.status_code == 200
    assert response.streaming
    assert body(response) == data
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == etag_for(video_id=video.pk, name="360.mp4", size=len(data))
    assert "Content-Range" not in response


@pytest.mark.parametrize("which", ["public_video", "private_video"])
def test_range_in_the_middle(which: str, request: pytest.FixtureRequest) -> None:
    """For the sealed file this crosses the 64 KiB chunks of the encryption."""
    video: Video = request.getfixturevalue(which)
    data = plaintext(video, "360.mp4")
    size = len(data)
    start, end = 70_000, min(size - 2, 70_000 + 140_000)
    assert size > end > start
    response = client_for(video.owner).get(url(video), HTTP_RANGE=f"bytes={start}-{end}")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == data[start : end + 1]


@pytest.mark.parametrize("which", ["public_video", "private_video"])
def test_suffix_and_open_ranges(which: str, request: pytest.FixtureRequest) -> None:
    video: Video = request.getfixturevalue(which)
    data = plaintext(video, "360.mp4")
    size = len(data)
    client = client_for(video.owner)

    suffix = client.get(url(video), HTTP_RANGE="bytes=-500")
    assert suffix.status_code == 206
    assert suffix["Content-Range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert body(suffix) == data[-500:]

    open_ended = client.get(url(video), HTTP_RANGE="bytes=100-")
    assert open_ended.status_code == 206
    assert open_ended["Content-Range"] == f"bytes 100-{size - 1}/{size}"
    assert body(open_ended) == data[100:]


def test_unsatisfiable_range_is_416(public_video: Video) -> None:
    size = public_video.renditions.get(name="360.mp4").size
    response = Client().get(url(public_video), HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert body(response) == b""


def test_several_ranges_get_the_whole_file(private_video: Video) -> None:
    response = client_for(private_video.owner).get(url(private_video), HTTP_RANGE="bytes=0-1,5-6")
    assert response.status_code == 200
    assert "Content-Range" not in response
    assert body(response) == plaintext(private_video, "360.mp4")


def test_if_range_on_a_file(public_video: Video) -> None:
    client = Client()
    first = client.get(url(public_video), HTTP_RANGE="bytes=0-9")
    etag, modified = first["ETag"], first["Last-Modified"]

    for validator in (etag, modified):
        kept = client.get(url(public_video), HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=validator)
        assert kept.status_code == 206
        assert len(body(kept)) == 10

    for stale in ('"an-older-version"', f"W/{etag}", "Sat, 01 Jan 2000 00:00:00 GMT"):
        full = client.get(url(public_video), HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=stale)
        assert full.status_code == 200
        assert body(full) == plaintext(public_video, "360.mp4")


def test_conditional_get_is_304(private_video: Video) -> None:
    client = client_for(private_video.owner)
    first = client.get(url(private_video))
    again = client.get(url(private_video), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert body(again) == b""
    assert again["ETag"] == first["ETag"]
    since = client.get(url(private_video), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other = client.get(url(private_video), HTTP_IF_NONE_MATCH='"nope"')
    assert other.status_code == 200


def test_head_has_the_headers_and_no_body(private_video: Video) -> None:
    client = client_for(private_video.owner)
    size = private_video.renditions.get(name="360.mp4").size
    head = client.head(url(private_video))
    assert head.status_code == 200
    assert head["Content-Length"] == str(size)
    assert head["Content-Type"] == "video/mp4"
    assert head["Accept-Ranges"] == "bytes"
    assert body(head) == b""
    ranged = client.head(url(private_video), HTTP_RANGE="bytes=-10")
    assert ranged.status_code == 206
    assert ranged["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert ranged["Content-Length"] == "10"


def test_content_types_come_from_the_renditions(public_video: Video) -> None:
    client = Client()
    for rendition in public_video.renditions.all():
        response = client.head(url(public_video, rendition.name))
        assert response.status_code == 200, rendition.name
        assert response["Content-Type"] == rendition.content_type
    assert client.head(url(public_video, "poster.jpg"))["Content-Type"] == "image/jpeg"
    playlist = client.get(url(public_video, "hls/master.m3u8"))
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert body(playlist).startswith(b"#EXTM3U")


def test_cache_headers(public_video: Video, private_video: Video) -> None:
    public = Client().get(url(public_video))
    assert public["Cache-Control"] == "public, max-age=31536000, immutable"
    private = client_for(private_video.owner).get(url(private_video))
    assert private["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("name", ["nothing.mp4", "hls/9/index.m3u8", "../360.mp4", "status/x"])
def test_unknown_names_are_404(public_video: Video, name: str) -> None:
    assert Client().get(url(public_video, name)).status_code == 404


def test_unknown_video_is_404(public_video: Video) -> None:
    assert Client().get("/v/doesnotexist/360.mp4").status_code == 404


def test_who_may_play_a_private_video(
    private_video: Video, make_person: Callable[..., Account]
) -> None:
    stranger = make_person()
    for client in (Client(), client_for(stranger)):
        for name in ("360.mp4", "poster.jpg", "hls/master.m3u8"):
            response = client.get(url(private_video, name))
            assert response.status_code == 404
        # The same answer as a video that does not exist: nothing is revealed.
        assert client.get(f"/v/{private_video.public_id}").status_code == 404
        assert client.get(f"/v/{private_video.public_id}/status").status_code == 404
    assert client_for(private_video.owner).get(url(private_video)).status_code == 200


def test_a_team_member_plays_the_organisations_private_video(
    make_person: Callable[..., Account],
    make_org: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
) -> None:
    creator, member, outsider = make_person(), make_person(), make_person()
    org = make_org(owner=creator)
    invitation = organisation_invite(
        organisation=org, actor=creator, invitee_handle=member.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=member, accept=True)
    video = publish(org, clip, visibility="followers")
    assert video.state == Video.State.PUBLISHED
    assert video.renditions.filter(sealed=True).exists()
    expected = plaintext(video, "360.mp4")
    for account in (creator, member):
        response = client_for(account).get(url(video), HTTP_RANGE="bytes=1000-1999")
        assert response.status_code == 206
        assert body(response) == expected[1000:2000]
    assert client_for(outsider).get(url(video)).status_code == 404


def test_a_public_video_still_processing_is_only_for_its_owner(
    public_video: Video, make_person: Callable[..., Account]
) -> None:
    Video.objects.filter(pk=public_video.pk).update(state=Video.State.PROCESSING)
    assert Client().get(url(public_video)).status_code == 404
    assert client_for(make_person()).get(f"/v/{public_video.public_id}").status_code == 404
    assert client_for(public_video.owner).get(url(public_video)).status_code == 200


def test_streams_under_asgi_without_a_list(public_video: Video, private_video: Video) -> None:
    """Under ASGI the body is an async iterator (a sync one would be read whole into a list)."""
    from django.contrib.auth.models import AnonymousUser

    from townhall.media.views import video_file

    async def collect(response: Any) -> list[bytes]:
        return [part async for part in response.streaming_content]

    for video in (public_video, private_video):
        data = plaintext(video, "360.mp4")
        request = AsyncRequestFactory().get(url(video), headers={"Range": "bytes=300-"})
        request.user = AnonymousUser() if video.is_public else video.owner
        response = video_file(request, video.public_id, "360.mp4")
        assert response.status_code == 206
        assert response.is_async
        # (response.close() would send request_finished, which closes the test's connection.)
        parts = asyncio.run(collect(response))
        assert b"".join(parts) == data[300:]
        assert max(len(part) for part in parts) <= STREAM_CHUNK
        assert len(parts) == -(-(len(data) - 300) // STREAM_CHUNK)


def test_rendition_sizes_match_the_files(private_video: Video) -> None:
    for rendition in Rendition.objects.filter(video=private_video):
        assert rendition.size == len(plaintext(private_video, rendition.name))
