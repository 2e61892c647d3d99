"""GET /api/v1/feeds/following: its items, its cursor, its refusals, its query count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from townhall.media.models import Video
from townhall.pagination import cursor_encode, keyed_cursor_encode
from townhall.social.services import block_create, follow_create, like_create, mute_create

from ..api.test_accounts_api import assert_error
from ..api.test_declared_errors import assert_unavailable, damage_key
from .helpers import follow, ids, posted, with_stats

PATH = "/feeds/following"


def test_signed_out_is_401(api) -> None:
    assert_error(api.call("GET", PATH), 401, "not_authenticated")


def test_an_item_says_what_the_video_is_who_made_it_and_why(make_person, api_as) -> None:
    viewer = make_person()
    owner = make_person("parliament", display_name="Example Parliament")
    follow(viewer, owner)
    video = posted(owner, 1, visibility="followers", caption="Question time #politics")
    Video.objects.filter(pk=video.pk).update(duration=12.5)
    like_create(actor=viewer, account=viewer, video=video)
    with_stats(video, comments=2, views=9)
    res = api_as(viewer).call("GET", PATH)
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["video"] == {
        "id": video.public_id,
        "caption": "Question time #politics",
        "mentions": [],
        "visibility": "followers",
        "duration": 12.5,
        "url": f"/v/{video.public_id}",
        "poster_url": f"/v/{video.public_id}/poster.jpg",
        "created_at": item["video"]["created_at"],
        "published_at": item["video"]["published_at"],
    }
    assert item["creator"]["handle"] == "parliament"
    assert item["creator"]["display_name"] == "Example Parliament"
    assert "avatar_url" in item["creator"]
    assert item["counts"] == {"likes": 1, "comments": 2, "views": 9}
    assert (item["liked"], item["following"]) == (True, True)
    assert item["reasons"] == ["You follow Example Parliament"]


def test_pages_by_cursor_without_repeats(make_person, api_as) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    videos = [posted(owner, n) for n in range(5)]
    client = api_as(viewer)
    first = client.call("GET", PATH, {"limit": 2}).json()
    posted(owner, 50)  # published between page loads: above the position reached
    second = client.call("GET", PATH, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.call("GET", PATH, {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert third["next_cursor"] is None
    seen = ids(first["items"]) + ids(second["items"]) + ids(third["items"])
    assert seen == [v.public_id for v in reversed(videos)]


def _notifications_cursor(make_person, api_as, viewer) -> str:
    for _ in range(2):
        fan = make_person()
        follow_create(actor=fan, follower=fan, followee=viewer)
    res = api_as(viewer).call("GET", "/notifications", {"limit": 1})
    assert res.status_code == 200, res.content
    return res.json()["next_cursor"]


def _hashtag_cursors(make_person, api_as, viewer) -> list[str]:
    from townhall.social.services import video_index

    owner = make_person()
    for n in range(2):
        video = posted(owner, n, caption="#tag", hashtags=["tag"])
        with_stats(video, views=n + 1)
        video_index(video_id=video.pk)
    client = api_as(viewer)
    cursors = []
    for sort in ("newest", "views"):
        res = client.call("GET", "/hashtags/tag/videos", {"limit": 1, "sort": sort})
        assert res.status_code == 200, res.content
        cursors.append(res.json()["next_cursor"])
    return cursors


def test_a_cursor_of_another_list_is_refused(make_person, api_as) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    posted(owner, 1)
    posted(owner, 2)
    client = api_as(viewer)
    foreign = [
        _notifications_cursor(make_person, api_as, viewer),
        *_hashtag_cursors(make_person, api_as, viewer),
    ]
    assert all(foreign)
    for cursor in foreign:
        assert_error(client.call("GET", PATH, {"cursor": cursor}), 400, "cursor_invalid")


def _good_cursor(client) -> str:
    return client.call("GET", PATH, {"limit": 1}).json()["next_cursor"]


@pytest.mark.parametrize(
    "make_bad",
    [
        # Cut inside the time: one part where two are needed.
        pytest.param(lambda good: good[: len(good) // 2], id="truncated"),
        # The first character carries the feed's name.
        pytest.param(lambda good: ("A" if good[0] != "A" else "B") + good[1:], id="tampered"),
        pytest.param(lambda good: "Zm9sbG93aW5nOng6eQ", id="not-numbers"),  # following:x:y
        pytest.param(lambda good: keyed_cursor_encode("following", 5), id="one-part"),
        pytest.param(lambda good: keyed_cursor_encode("following", -1, 3), id="negative"),
        pytest.param(lambda good: keyed_cursor_encode("following", 1, 2**63), id="too-big"),
        pytest.param(lambda good: keyed_cursor_encode("for-you", 1, 2), id="other-feed"),
        pytest.param(lambda good: cursor_encode(timezone.now(), 3), id="plain-position"),
        pytest.param(lambda good: "bm90IGEgY3Vyc29y", id="made-up"),
    ],
)
def test_a_bad_cursor_is_400(make_person, api_as, make_bad) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    posted(owner, 1)
    posted(owner, 2)
    client = api_as(viewer)
    bad = make_bad(_good_cursor(client))
    assert_error(client.call("GET", PATH, {"cursor": bad}), 400, "cursor_invalid")


@pytest.mark.parametrize("limit", [0, 51, -1])
def test_a_page_size_out_of_range_is_400(person, api_as, limit) -> None:
    assert_error(api_as(person).call("GET", PATH, {"limit": limit}), 400, "validation_failed")


def test_the_limit_bounds_the_page(make_person, api_as) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    for n in range(3):
        posted(owner, n)
    client = api_as(viewer)
    assert len(client.call("GET", PATH, {"limit": 1}).json()["items"]) == 1
    assert len(client.call("GET", PATH, {"limit": 50}).json()["items"]) == 3


def test_blocked_and_muted_followees_are_absent(make_person, api_as) -> None:
    viewer, muted, blocked, kept = (make_person() for _ in range(4))
    follow(viewer, muted, blocked, kept)
    posted(muted, 1)
    posted(blocked, 2, visibility="followers")
    shown = posted(kept, 3, visibility="followers")
    mute_create(actor=viewer, muter=viewer, muted=muted)
    block_create(actor=blocked, blocker=blocked, blocked=viewer)
    assert ids(api_as(viewer).call("GET", PATH).json()["items"]) == [shown.public_id]


def test_everyone_followed_muted_is_an_empty_page(make_person, api_as) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    posted(a, 1)
    mute_create(actor=viewer, muter=viewer, muted=a)
    res = api_as(viewer).call("GET", PATH)
    assert res.status_code == 200
    assert res.json() == {"items": [], "next_cursor": None}


def test_a_followed_owner_whose_key_is_damaged_is_503(make_person, api_as) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    posted(owner, 1, visibility="followers", caption="sealed")
    client = api_as(viewer)
    damage_key(owner)
    assert_unavailable(client.call("GET", PATH), "GET", PATH)


def test_query_count_is_pinned(settings, make_person, api_as, assert_queries_all_aliases) -> None:
    """Public videos of many accounts, and followers-only videos of one: the same queries for
    2 items as for 6."""
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "100/60"}
    viewer = make_person()
    sealer = make_person()
    follow(viewer, sealer)
    minute = 0

    def add(*visibilities: str) -> None:
        nonlocal minute
        for visibility in visibilities:
            minute += 1
            if visibility == "followers":
                posted(sealer, minute, visibility="followers", caption=f"to @{viewer.handle}")
                continue
            owner = make_person()
            follow(viewer, owner)
            video = posted(owner, minute, caption=f"hi @{viewer.handle}", mentions=[viewer.handle])
            like_create(actor=viewer, account=viewer, video=video)

    client = api_as(viewer)
    add("followers")
    # The token's first use is recorded (a write), and the region's access log starts its
    # chain, once.
    client.call("GET", PATH)
    home = viewer.home_region
    # default: the token's account; the page of videos with their owners and counts; the
    # viewer's likes among them; the mentions in the decrypted captions; and, for the owner of
    # the followers-only videos, the gateway's follower check (a block, a follow). The home
    # region: the token (two); for that owner, the access-log entry (savepoint, chain head,
    # entry, head update, release) and the sealed captions. The keyring: that owner's key.
    expected = {"default": 6, f"region_{home}": 8, f"keyring_{home}": 1}
    for visibilities, total in (
        (["public"], 2),
        (["public", "followers", "public", "followers"], 6),
    ):
        add(*visibilities)
        with assert_queries_all_aliases(expected):
            res = client.call("GET", PATH)
        assert res.status_code == 200
        assert len(res.json()["items"]) == total


def test_query_count_of_public_videos_only(
    settings, make_person, api_as, assert_queries_all_aliases
) -> None:
    """Without followers-only videos no vault opens: the token, the account, the page, the
    likes."""
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "100/60"}
    viewer = make_person()
    client = api_as(viewer)
    client.call("GET", PATH)
    expected = {"default": 3, f"region_{viewer.home_region}": 2}
    minute = 0
    for added, total in ((2, 2), (4, 6)):
        for _ in range(added):
            owner = make_person()
            follow(viewer, owner)
            minute += 1
            posted(owner, minute, caption="#news")
        with assert_queries_all_aliases(expected):
            res = client.call("GET", PATH)
        assert len(res.json()["items"]) == total
