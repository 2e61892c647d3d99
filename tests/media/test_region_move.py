"""Moving an account's home region carries its media: sealed files, captions, uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from townhall.accountdata.move import account_move_region
from townhall.accountdata.residency import residency_scan
from townhall.accounts.models import Account
from townhall.audit.gateway import own_vault
from townhall.audit.log import access_log_verify
from townhall.media.models import Upload, Video
from townhall.media.selectors import video_caption
from townhall.media.services import owner_vault

from ..regions.test_move_region import held_in, move_entries
from .test_playback import body, client_for, url
from .tus import create, metadata, send, tus

CAPTION = "Our private rehearsal, not for everyone #council"


@pytest.fixture
def clip(clips: Callable[..., Path]) -> Path:
    return clips("small.mp4", size="360x640", seconds=1.5)


def sealed_plaintexts(owner: Account) -> dict[str, str]:
    """SHA-256 of the plaintext of each of an account's sealed files, by storage name."""
    vault = owner_vault(owner, acting=owner)
    digests = {}
    for name in vault.list_files():
        with vault.open_file(name) as reader:
            digests[name] = hashlib.sha256(reader.read()).hexdigest()
    return digests


def test_an_organisation_moves_with_its_videos_captions_and_uploads_in_progress(
    make_person: Callable[..., Account],
    make_org: Callable[..., Account],
    publish: Callable[..., Video],
    api_as: Callable[[Account], Any],
    clip: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TOWNHALL_KEEP_ORIGINALS = True
    creator = make_person("creator")
    org = make_org(owner=creator, handle="council")
    video = publish(org, clip, caption=CAPTION, visibility="private")
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.renditions.filter(sealed=True).exists() and video.original
    # A member's upload for the organisation, half sent: its parts are the organisation's files.
    data = clip.read_bytes()
    member_api = api_as(creator)
    location = create(
        member_api,
        len(data),
        Upload_Metadata=metadata(organisation=org.handle, visibility="private", caption="next"),
    )["Location"]
    half = len(data) // 2
    assert tus(member_api, "PATCH", location, data[:half], Upload_Offset="0").status_code == 204
    before = sealed_plaintexts(org)
    assert any("/uploads/" in name for name in before)
    held = held_in("uk", org.pk)
    assert held["media.videotext"] == 1 and held["data key"] == 1
    assert held["files"] == len(before)

    move = account_move_region(account=org, target="us")

    org.refresh_from_db()
    assert (org.home_region, move.phase) == ("us", "done")
    assert held_in("uk", org.pk) == {}
    assert held_in("us", org.pk) == held
    video.refresh_from_db()
    assert video.region == "us"
    # Everything opens in the target with the moved key: captions, originals, renditions.
    assert sealed_plaintexts(org) == before
    assert video_caption(video, viewer=creator) == CAPTION
    response = client_for(creator).get(url(video), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and len(body(response)) == 100
    assert residency_scan().findings == []
    assert move_entries("uk", org.pk, "uk", "us") == 1
    assert move_entries("us", org.pk, "uk", "us") == 1
    assert access_log_verify(region="uk").ok and access_log_verify(region="us").ok

    # The member's upload, started before the move, finishes after it, in the new region.
    with django_capture_on_commit_callbacks(execute=True):
        last = send(member_api, location, data)
    assert last.status_code == 204, last.content
    posted = Video.objects.get(public_id=last["Townhall-Video"])
    assert (posted.owner, posted.region, posted.state) == (org, "us", Video.State.PUBLISHED)
    assert video_caption(posted, viewer=creator) == "next"
    assert held_in("uk", org.pk) == {}


def test_a_tus_upload_started_before_a_move_finishes_after_it(
    person: Account,
    api_as: Callable[[Account], Any],
    clip: Path,
    settings_work: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_as(person)
    data = clip.read_bytes()
    location = create(api, len(data))["Location"]
    assert location.startswith("/api/v1/uploads/uk-")
    half = len(data) // 2
    assert tus(api, "PATCH", location, data[:half], Upload_Offset="0").status_code == 204

    account_move_region(account=person, target="sg")
    person.refresh_from_db()

    head = tus(api, "HEAD", location)
    assert head.status_code == 200 and head["Upload-Offset"] == str(half)
    with django_capture_on_commit_callbacks(execute=True):
        last = send(api, location, data)
    assert last.status_code == 204, last.content
    video = Video.objects.get(public_id=last["Townhall-Video"])
    assert (video.region, video.state) == ("sg", Video.State.PUBLISHED)
    assert own_vault(person, acting=person).rows(Upload).get().video_public_id == video.public_id
    assert held_in("uk", person.pk) == {}
    # Termination follows the account too.
    other = create(api, 10)["Location"]
    account_move_region(account=person, target="us")
    assert tus(api, "DELETE", other).status_code == 204
    assert tus(api, "HEAD", other).status_code == 404
