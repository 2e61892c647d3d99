"""The Following feed's rules, through its selector: what it holds, its order, its cursor."""

from __future__ import annotations

import pytest

from townhall.accounts.models import Account
from townhall.accounts.services import profile_update
from townhall.feeds.selectors import (
    FOLLOWING,
    EmptyReason,
    feed_cursor_decode,
    feed_following,
)
from townhall.media.models import Video
from townhall.social.services import (
    block_create,
    follow_delete,
    follow_request_approve,
    like_create,
    mute_create,
    mute_delete,
)

from .helpers import follow, ids, posted, with_stats


def page_of(viewer, after=None, limit=20):
    return feed_following(viewer=viewer, after=after, limit=limit)


def test_newest_first_of_followed_accounts_only(make_person) -> None:
    viewer, a, b, stranger = (make_person() for _ in range(4))
    follow(viewer, a, b)
    old = posted(a, 1)
    new = posted(b, 3)
    middle = posted(a, 2)
    posted(stranger, 4)
    assert ids(page_of(viewer).items) == [new.public_id, middle.public_id, old.public_id]


def test_same_time_is_ordered_by_key(make_person) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    first, second = posted(a, 5), posted(a, 5)
    assert ids(page_of(viewer).items) == [second.public_id, first.public_id]
    page = page_of(viewer, limit=1)
    rest = page_of(viewer, after=feed_cursor_decode(page.next_cursor, FOLLOWING), limit=1)
    assert ids(page.items) + ids(rest.items) == [second.public_id, first.public_id]


def test_followers_only_of_a_followed_account_is_in_with_its_caption(make_person) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    video = posted(a, 1, visibility="followers", caption=f"for you @{viewer.handle}")
    [item] = page_of(viewer).items
    assert item.video.pk == video.pk
    assert item.caption == f"for you @{viewer.handle}"
    assert item.mentions == [viewer.handle]


def test_followers_only_of_others_and_of_a_pending_request_are_out(make_person) -> None:
    viewer, followed, private, stranger = (make_person() for _ in range(4))
    profile_update(account=private, actor=private, is_private=True)
    follow(viewer, followed, private)  # the private account's follow is a request
    public = posted(followed, 1)
    posted(private, 2, visibility="followers")
    posted(private, 3)
    posted(stranger, 4, visibility="followers")
    assert ids(page_of(viewer).items) == [public.public_id]
    follow_request_approve(actor=private, account=private, requester=viewer)
    assert len(page_of(viewer).items) == 3


def test_private_and_unfinished_videos_are_out(make_person, make_org) -> None:
    viewer, a = make_person(), make_person()
    # The viewer is on the team of an organisation it follows: it may see the organisation's
    # private and unpublished videos, but a feed shows what reaches it as audience only.
    org = make_org(owner=viewer)
    follow(viewer, a, org)
    public = posted(org, 1)
    posted(a, 2, visibility="private")
    posted(org, 3, visibility="private")
    posted(org, 4, state=Video.State.PROCESSING)
    posted(org, 5, state=Video.State.FAILED)
    assert ids(page_of(viewer).items) == [public.public_id]


def test_muted_blocked_and_inactive_accounts_are_out(make_person) -> None:
    viewer, muted, blocked, blocker, gone, kept = (make_person() for _ in range(6))
    follow(viewer, muted, blocked, blocker, gone, kept)
    for n, owner in enumerate([muted, blocked, blocker, gone, kept]):
        posted(owner, n)
        posted(owner, n + 10, visibility="followers")
    assert len(page_of(viewer).items) == 10
    mute_create(actor=viewer, muter=viewer, muted=muted)
    block_create(actor=viewer, blocker=viewer, blocked=blocked)
    block_create(actor=blocker, blocker=blocker, blocked=viewer)
    Account.objects.filter(pk=gone.pk).update(is_active=False)
    assert {item.video.owner_id for item in page_of(viewer).items} == {kept.pk}
    mute_delete(actor=viewer, muter=viewer, muted=muted)
    assert {item.video.owner_id for item in page_of(viewer).items} == {kept.pk, muted.pk}


def test_a_video_that_becomes_invisible_leaves_the_feed(make_person) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    posted(a, 1)
    posted(a, 2, visibility="followers")
    assert len(page_of(viewer).items) == 2
    # The owner blocks the viewer: nothing of it reaches the viewer any more, on any page.
    block_create(actor=a, blocker=a, blocked=viewer)
    assert page_of(viewer).items == []


def test_an_unfollow_takes_the_followers_only_videos_with_it(make_person) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    posted(a, 1, visibility="followers")
    follow_delete(actor=viewer, follower=viewer, followee=a)
    assert page_of(viewer).items == []


def test_items_carry_counts_own_like_follow_and_reason(make_person) -> None:
    viewer = make_person()
    a = make_person("parliament", display_name="Example Parliament")
    follow(viewer, a)
    liked, plain = posted(a, 1), posted(a, 2)
    like_create(actor=viewer, account=viewer, video=liked)
    with_stats(plain, comments=3, views=40)
    by_id = {item.video.pk: item for item in page_of(viewer).items}
    assert (by_id[liked.pk].liked, by_id[liked.pk].likes) == (True, 1)
    assert (by_id[plain.pk].liked, by_id[plain.pk].likes) == (False, 0)
    assert (by_id[plain.pk].comments, by_id[plain.pk].views) == (3, 40)
    assert all(item.following for item in by_id.values())
    assert by_id[plain.pk].reasons == ["You follow Example Parliament"]


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_scrolling_never_repeats_even_when_videos_are_published_meanwhile(
    make_person, limit
) -> None:
    viewer, a, b = make_person(), make_person(), make_person()
    follow(viewer, a, b)
    before = [posted(a if n % 2 else b, n, "followers" if n % 3 else "public") for n in range(9)]
    seen, cursor, minute = [], "", 100
    while True:
        page = page_of(viewer, after=feed_cursor_decode(cursor, FOLLOWING), limit=limit)
        seen += ids(page.items)
        # Between page loads, new videos arrive at the top, and one at the very same
        # moment as the last video shown.
        posted(a, minute)
        minute += 1
        if page.items:
            last = page.items[-1].video
            clash = posted(b, 0)
            Video.objects.filter(pk=clash.pk).update(published_at=last.published_at)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert set(seen) >= {v.public_id for v in before}


def test_empty_reasons(make_person) -> None:
    viewer, a, b = make_person(), make_person(), make_person()
    assert page_of(viewer).empty_reason is EmptyReason.FOLLOWS_NONE
    follow(viewer, a, b)
    assert page_of(viewer).empty_reason is EmptyReason.NOTHING_NEW
    posted(a, 1)
    assert page_of(viewer).empty_reason is None
    mute_create(actor=viewer, muter=viewer, muted=a)
    mute_create(actor=viewer, muter=viewer, muted=b)
    assert page_of(viewer).empty_reason is EmptyReason.ALL_MUTED


def test_blocking_everyone_one_follows_is_an_empty_feed_not_an_error(make_person) -> None:
    viewer, a, b = make_person(), make_person(), make_person()
    follow(viewer, a, b)
    posted(a, 1)
    posted(b, 2)
    block_create(actor=viewer, blocker=viewer, blocked=a)
    mute_create(actor=viewer, muter=viewer, muted=b)
    page = page_of(viewer)
    assert (list(page.items), page.next_cursor) == ([], None)
    # The block ended the follow; the mute did not: every account still followed is muted.
    assert page.empty_reason is EmptyReason.ALL_MUTED
