"""The lists of videos and uploads cost the same queries, on every database, however long.

``assert_queries_all_aliases`` counts on every connection: a list that decrypts captions or
metadata from the owner's home region pays there too, and a query per item would show on the
region's alias even when the default database's count stays flat.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from townhall.media import uploads
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault

BACKEND = "townhall.accounts.backends.RegionBackend"


def video(owner, n: int, *, visibility: str = "public", state: str = "published") -> Video:
    made = Video.objects.create(
        owner=owner,
        uploaded_by=owner,
        visibility=visibility,
        state=state,
        region=owner.home_region,
        created_at=timezone.now() - dt.timedelta(minutes=100 - n),
    )
    Rendition.objects.create(video=made, kind="mp4", name="360.mp4", content_type="video/mp4")
    if visibility != "public":
        owner_vault(owner, acting=owner).create(
            VideoText, video_id=made.pk, caption=f"secret {n} #tag @{owner.handle}"
        )
    return made


def videos_of(owner, count: int) -> None:
    """``count`` more videos: public ones, private ones and one still processing."""
    start = Video.objects.filter(owner=owner).count()
    for n in range(start, start + count):
        kinds = [("public", "published"), ("private", "published"), ("followers", "processing")]
        visibility, state = kinds[n % 3]
        video(owner, n, visibility=visibility, state=state)


@pytest.fixture
def owner(make_person):
    return make_person("vera")


def region(account) -> str:
    return f"region_{account.home_region}"


def keyring(account) -> str:
    return f"keyring_{account.home_region}"


def pinned(assert_queries_all_aliases, expected, run, grow) -> None:
    """``run`` costs ``expected`` with 2 items and again after ``grow`` made it 6.

    A first run outside the count records the token's first use (a write at most every five
    minutes), so that both counted runs do the same work.
    """
    run()
    with assert_queries_all_aliases(expected):
        run()
    grow()
    with assert_queries_all_aliases(expected):
        run()


def test_account_videos_api_for_its_owner(owner, api_as, assert_queries_all_aliases):
    client = api_as(owner)
    videos_of(owner, 2)

    def run() -> None:
        page = client.call("GET", f"/accounts/{owner.handle}/videos", {"limit": 50}).json()
        assert page["items"] and any(v["caption"].startswith("secret") for v in page["items"])

    # default: the token's account, the owner, whether a block hides it, the page, its
    # renditions, the captions' mentions; the region: the token (looked up, loaded) and the page's sealed captions, in
    # one query; the keyring: the owner's data key (whether it exists, then the key).
    expected = {"default": 6, region(owner): 3, keyring(owner): 2}
    pinned(assert_queries_all_aliases, expected, run, lambda: videos_of(owner, 4))


def test_account_videos_api_for_a_stranger(owner, api, assert_queries_all_aliases):
    videos_of(owner, 2)
    video(owner, 50)

    def run() -> None:
        page = api.call("GET", f"/accounts/{owner.handle}/videos", {"limit": 50}).json()
        assert {v["visibility"] for v in page["items"]} == {"public"}

    # The owner, the page, its renditions; no region is touched.
    pinned(assert_queries_all_aliases, {"default": 3}, run, lambda: videos_of(owner, 6))


def test_profile_grid(owner, make_person, assert_queries_all_aliases):
    videos_of(owner, 2)
    mine, theirs = Client(), Client()
    mine.force_login(owner, backend=BACKEND)
    theirs.force_login(make_person(), backend=BACKEND)

    def run() -> None:
        assert mine.get(f"/@{owner.handle}").status_code == 200
        assert theirs.get(f"/@{owner.handle}").status_code == 200

    # Each page: the session, the account, the profile, whether a block hides it, the viewer's
    # teams (to follow as), the follow states, the counts, the posts' count, whether the viewer
    # mutes it, the pending invitations' and unread notifications' counts (the menu) and the
    # grid; the owner's also lists its organisations. The grid decrypts nothing.
    expected = {"default": 25}
    pinned(assert_queries_all_aliases, expected, run, lambda: videos_of(owner, 4))


def test_uploads_in_progress_api(owner, api_as, assert_queries_all_aliases):
    client = api_as(owner)

    def start(count: int) -> None:
        for n in range(count):
            uploads.upload_create(
                uploader=owner, length=1000, caption=f"c{n}", filename=f"f{n}.mp4"
            )

    start(2)

    def run() -> None:
        assert client.call("GET", "/uploads/", {"limit": 50}).status_code == 200

    # default: the token's account; the region: the token (two) and the page of uploads; the
    # keyring: the uploader's data key, opened once for every upload's sealed metadata.
    expected = {"default": 1, region(owner): 3, keyring(owner): 1}
    pinned(assert_queries_all_aliases, expected, run, lambda: start(4))
