"""Hashtags: kept for published public videos (from media's ``video_published`` signal), the
page and the API list them newest or most viewed, and nothing but public videos appear."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from townhall.social.models import Block, Follow, SearchEntry, VideoStats, VideoTag
from townhall.social.selectors import HashtagSort, hashtag_videos

from .searchdata import published


@pytest.fixture
def owner(make_person):
    return make_person("maker")


def ids(videos) -> list[str]:
    return [v.public_id if hasattr(v, "public_id") else v["id"] for v in videos]


def test_publishing_a_public_video_indexes_its_hashtags(owner):
    video = published(owner, "Law in 8 seconds #Parliament #civics #parliament")
    assert sorted(VideoTag.objects.filter(video=video).values_list("tag", flat=True)) == [
        "civics",
        "parliament",
    ]
    assert SearchEntry.objects.filter(video=video).count() == 1


def test_non_public_videos_are_not_indexed(owner, make_person):
    published(owner, "secret #civics", visibility="private")
    published(owner, "friends #civics", visibility="followers")
    published(owner, "not yet #civics", publish=False)
    assert not VideoTag.objects.exists()
    assert not SearchEntry.objects.filter(kind="video").exists()
    follower = make_person("friend")
    Follow.objects.create(follower=follower, followee=owner)
    listing = hashtag_videos(
        viewer=follower, tag="civics", sort=HashtagSort.NEWEST, after=None, limit=10
    )
    assert listing.items == []


def test_deleting_a_video_removes_its_index_rows(owner):
    video = published(owner, "#civics")
    video.delete()
    assert not VideoTag.objects.exists() and not SearchEntry.objects.filter(kind="video").exists()


def test_newest_and_most_viewed_by_cursor(owner):
    videos = [published(owner, f"video {n} #civics") for n in range(4)]
    for video, views in zip(videos, [5, 0, 9, 5], strict=True):
        VideoStats.objects.update_or_create(video=video, defaults={"views": views})
    newest = hashtag_videos(viewer=None, tag="civics", sort=HashtagSort.NEWEST, after=None, limit=3)
    assert ids(newest.items) == ids(videos[::-1][:3])
    from townhall.social.selectors import hashtag_cursor_decode

    more = hashtag_videos(
        viewer=None,
        tag="civics",
        sort=HashtagSort.NEWEST,
        after=hashtag_cursor_decode(newest.next_cursor, sort=HashtagSort.NEWEST),
        limit=3,
    )
    assert ids(more.items) == ids(videos[:1]) and more.next_cursor is None
    top = hashtag_videos(viewer=None, tag="civics", sort=HashtagSort.VIEWS, after=None, limit=2)
    # 9 views, then the two with 5 (the newer first), then none.
    assert ids(top.items) == ids([videos[2], videos[3]])
    rest = hashtag_videos(
        viewer=None,
        tag="civics",
        sort=HashtagSort.VIEWS,
        after=hashtag_cursor_decode(top.next_cursor, sort=HashtagSort.VIEWS),
        limit=2,
    )
    assert ids(rest.items) == ids([videos[0], videos[1]])


def test_a_blocked_viewer_sees_none_of_the_blockers_videos(owner, make_person):
    published(owner, "#civics")
    mine = published(make_person("someone"), "#civics")
    blocked = make_person("blocked")
    Block.objects.create(blocker=owner, blocked=blocked)
    listing = hashtag_videos(
        viewer=blocked, tag="civics", sort=HashtagSort.NEWEST, after=None, limit=10
    )
    assert ids(listing.items) == [mine.public_id]


def test_a_muted_accounts_videos_are_left_out_for_the_muter_only(owner, make_person):
    from townhall.social.models import Mute
    from townhall.social.selectors import SearchKind, search

    theirs = published(owner, "#civics town hall")
    other = published(make_person("someone"), "#civics town hall")
    muter, bystander = make_person("muter"), make_person("bystander")
    Mute.objects.create(muter=muter, muted=owner)

    def tagged(viewer):
        return ids(
            hashtag_videos(
                viewer=viewer, tag="civics", sort=HashtagSort.NEWEST, after=None, limit=10
            ).items
        )

    assert tagged(muter) == [other.public_id]
    assert set(tagged(bystander)) == {theirs.public_id, other.public_id}
    found = search(viewer=muter, query="town hall", kind=SearchKind.VIDEOS, after=None, limit=10)
    assert [hit.video.public_id for hit in found.items if hit.video] == [other.public_id]
    # The muted account itself is still found, to be unmuted.
    accounts = search(
        viewer=muter, query=owner.handle, kind=SearchKind.ACCOUNTS, after=None, limit=10
    )
    assert [hit.account.pk for hit in accounts.items if hit.account] == [owner.pk]


def test_the_reindex_command_rebuilds_everything(owner, make_person):
    video = published(owner, "#civics #law")
    make_person("another")
    VideoTag.objects.all().delete()
    SearchEntry.objects.all().delete()
    call_command("search-reindex")
    assert set(VideoTag.objects.values_list("tag", flat=True)) == {"civics", "law"}
    assert SearchEntry.objects.filter(kind="account").count() == 2
    assert SearchEntry.objects.filter(video=video).exists()


def test_the_page_has_two_tabs_and_a_poster_grid(client, owner):
    quiet = published(owner, "quiet <script>x</script> #civics")
    loud = published(owner, "loud #civics")
    VideoStats.objects.create(video=quiet, views=10)
    newest = client.get("/tag/civics").content.decode()
    assert newest.index(loud.public_id) < newest.index(quiet.public_id)
    assert 'alt="quiet &lt;script&gt;x&lt;/script&gt; #civics"' in newest
    assert "<script>x</script>" not in newest
    views = client.get("/tag/civics?sort=views").content.decode()
    assert views.index(quiet.public_id) < views.index(loud.public_id)
    assert 'aria-current="page">Most viewed' in views


def test_the_page_of_an_empty_or_malformed_tag(client):
    empty = client.get("/tag/nothinghere")
    assert empty.status_code == 200
    assert "No public videos have #nothinghere yet." in empty.content.decode()
    assert client.get("/tag/not-a-tag").status_code == 404
    assert client.get("/tag/" + "x" * 51).status_code == 404
    assert client.get("/tag/Civics").status_code == 301
    assert client.get("/tag/civics?after=garbage").status_code == 400


def test_the_api_lists_both_sorts(api, owner):
    a = published(owner, "#civics")
    b = published(owner, "#civics")
    VideoStats.objects.create(video=a, views=3)
    newest = api.call("GET", "/hashtags/civics/videos").json()
    assert ids(newest["items"]) == [b.public_id, a.public_id]
    assert newest["items"][1]["views"] == 3
    top = api.call("GET", "/hashtags/civics/videos", {"sort": "views", "limit": 1}).json()
    assert ids(top["items"]) == [a.public_id]
    rest = api.call(
        "GET", "/hashtags/civics/videos", {"sort": "views", "cursor": top["next_cursor"]}
    ).json()
    assert ids(rest["items"]) == [b.public_id]


def test_the_api_refuses_bad_input(api):
    malformed = api.call("GET", "/hashtags/no-way/videos")
    assert malformed.status_code == 404
    assert malformed.json()["error"]["code"] == "hashtag_not_found"
    assert api.call("GET", "/hashtags/Åland/videos").status_code == 200
    assert api.call("GET", "/hashtags/civics/videos", {"sort": "likes"}).status_code == 400
    # A newest-first cursor is not a most-viewed one, and vice versa.
    assert api.call("GET", "/hashtags/civics/videos", {"cursor": "abc"}).status_code == 400
    bad = api.call("GET", "/hashtags/civics/videos", {"sort": "views", "cursor": "dmlld3M6eDox"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "cursor_invalid"


@pytest.mark.parametrize("sort", ["newest", "views"])
def test_the_api_list_costs_the_same_queries_however_long(
    api, owner, sort, assert_queries_all_aliases
):
    for _ in range(2):
        published(owner, "#civics")

    def run() -> None:
        assert api.call("GET", "/hashtags/civics/videos", {"sort": sort}).status_code == 200

    with assert_queries_all_aliases(1):
        run()
    for _ in range(4):
        published(owner, "#civics")
    with assert_queries_all_aliases(1):
        run()
